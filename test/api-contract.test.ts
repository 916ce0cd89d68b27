// The seed's contract end to end: the official gateway SDK against the real embedded service (engine
// threads, SQLite, notifier), with a loopback image server and notification receiver. The suite itself
// is in helpers/contract-suite.ts; test/distributed-contract.test.ts runs it against the Redis mode.
import { contractSuite, sqliteMode } from './helpers/contract-suite.ts';

contractSuite(sqliteMode);
