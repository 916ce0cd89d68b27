// What happens over a job's life in the embedded service: notification re-sends, caller timeouts,
// admission control, refused URLs, re-delivery, and a SIGKILL of the whole service mid-job. The suite
// is in helpers/contract-suite.ts; test/distributed-lifecycle.test.ts runs it against the Redis mode.
import { lifecycleSuite, sqliteMode } from './helpers/contract-suite.ts';

lifecycleSuite(sqliteMode);
