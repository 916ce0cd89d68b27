// The API contract suite against the distributed mode: API and worker processes on BullMQ/Redis
// (127.0.0.1:6379, a fresh key prefix per service) with results in a real S3-compatible server.
import { after } from 'node:test';
import { contractSuite } from './helpers/contract-suite.ts';
import { redisMode } from './helpers/distributed.ts';

contractSuite(redisMode);
after(() => redisMode.teardown!());
