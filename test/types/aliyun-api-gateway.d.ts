declare module 'aliyun-api-gateway' {
  export class Client {
    constructor(appKey: string, appSecret: string, stage?: string);
    post(url: string, opts?: { data?: unknown; headers?: Record<string, string>; query?: Record<string, string>; timeout?: number }): Promise<any>;
    get(url: string, opts?: { query?: Record<string, string>; headers?: Record<string, string>; timeout?: number }): Promise<any>;
    md5(content: string): string;
  }
  const _default: { Client: typeof Client };
  export default _default;
}
