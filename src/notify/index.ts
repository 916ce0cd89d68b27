// Public surface of webhook delivery.
export { migrateNotify } from './schema.ts';
export { SqliteNotificationStore, INTERRUPTED } from './store.ts';
export type { Attempt, NewNotification, Notification, NotificationState, NotificationStore } from './store.ts';
export { DEFAULT_RETRY_DELAYS_S, MAX_RESENDS, parseRetryDelays } from './schedule.ts';
export { webhookHeaders, webhookKey } from './sign.ts';
export { Notifier } from './notifier.ts';
export type { NotifierOptions, NotificationStatus } from './notifier.ts';
export { attemptDelivery, isDelivered, type Send } from './attempt.ts';
