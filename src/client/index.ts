export { WanxingClient, WanxingApiError, JobFailedError } from './client.ts';
export type { FaceChoice, JobStatus, QueryResult, SubmitInput, Template, TemplateFace, WaitOptions, WanxingClientOptions } from './client.ts';
export { verifyNotification, createNotificationReceiver, NotificationVerificationError } from './notifications.ts';
export type { Notification, ReceiverOptions, VerifyInput } from './notifications.ts';
