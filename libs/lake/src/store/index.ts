export * from './lake-store';
export * from './local-lake-store';
export * from './s3-lake-store';
export * from './lake-cache';
export * from './lake-settings';
