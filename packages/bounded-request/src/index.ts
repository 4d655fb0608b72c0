export {
  boundedRequest,
  type BoundedAnswer,
  type BoundedRequestOptions,
} from './bounded-request.ts';
