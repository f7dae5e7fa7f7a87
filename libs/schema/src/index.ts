export * from './names';
export * from './sale-event';
export * from './product-sum';
export * from './intervals';
export * from './errors';
export * from './csv';
