export { boundedGet, type BoundedAnswer, type BoundedGetOptions } from './bounded-get.ts';
