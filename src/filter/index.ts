export { compileSendFilter, type SendFilter, type SendFilterOptions } from './send-filter';
export { checkFilterItem, checkMapItem, parseFilterItem, parseMapItem, type FilterItem, type MapItem, type ColumnMapping } from './items';
export { parseCondition, type Condition } from './condition';
export type { ToggleCase } from './object-name';
