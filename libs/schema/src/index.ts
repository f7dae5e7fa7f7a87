export * from './names';
export * from './sale-event';
export * from './channels';
export * from './product-sum';
export * from './csv';
