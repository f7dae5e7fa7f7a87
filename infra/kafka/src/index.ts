export * from './java-clients';
