// The lifecycle suite (re-sends, timeouts, QueueFull, refused URLs, SIGKILL of every process) against
// the distributed mode: BullMQ on Redis, results in S3.
import { after } from 'node:test';
import { lifecycleSuite } from './helpers/contract-suite.ts';
import { redisMode } from './helpers/distributed.ts';

lifecycleSuite(redisMode);
after(() => redisMode.teardown!());
