export declare const ROOT: string;
export declare const DIST: string;
export declare const MANIFEST_VERSION: number;
export declare function sha256(bytes: Uint8Array): string;
/** URL of dist/cli.js when the bundle matches the sources byte for byte (and this Node), else null. */
export declare function freshBundle(): string | null;
