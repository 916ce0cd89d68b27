// Field rules of POST /swapface and /query. Anything off is InvalidArguments with a message that names the field.
import { checkUrlSyntax } from '../fetch/url.ts';
import { ServiceError } from './errors.ts';
import { SWAP_STYLES, type JobInput } from './job.ts';
import { parseFaceSelection } from './face-selection.ts';
import { parseTemplateField, TEMPLATE_SCHEME } from '../templates/catalogue.ts';

export interface TimeoutRules {
  defaultTimeoutS: number;
  maxTimeoutS: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseSwapRequest(body: unknown, rules: TimeoutRules): JobInput {
  if (!isObject(body)) throw new ServiceError('InvalidArguments', '请求体必须是JSON对象');
  const urls: Record<string, string> = {};
  // A group job's sources are in `faces` (face-selection.ts).
  const faces = parseFaceSelection(body);
  // A registered template's id stands in for target_url (the route checks the app owns it).
  const templateId = parseTemplateField(body);
  for (const field of (faces?.group ? (['target_url', 'notify_url'] as const) : (['source_url', 'target_url', 'notify_url'] as const)).filter((f) => !(templateId && f === 'target_url'))) {
    const value = body[field];
    if (value === undefined || value === null || value === '') throw new ServiceError('InvalidArguments', `缺少参数 ${field}`);
    const problem = checkUrlSyntax(value);
    if (problem) throw new ServiceError('InvalidArguments', `${field}: ${problem}`);
    urls[field] = value as string;
  }
  let timeoutS = rules.defaultTimeoutS;
  if (body.timeout !== undefined && body.timeout !== null) {
    const t = body.timeout;
    if (typeof t !== 'number' || !Number.isFinite(t) || t < 1 || t > rules.maxTimeoutS) {
      throw new ServiceError('InvalidArguments', `timeout 必须是 1 到 ${rules.maxTimeoutS} 之间的秒数`);
    }
    timeoutS = t;
  }
  const input: JobInput = { sourceUrl: faces?.group ? faces.group[0].sourceUrl : urls.source_url, targetUrl: templateId ? `${TEMPLATE_SCHEME}${templateId}` : urls.target_url, notifyUrl: urls.notify_url, timeoutS };
  if (faces) input.faces = faces;
  const label = parseLabelChoice(body.label);
  if (label) input.label = label;
  const style = parseStyle(body.style);
  if (style) input.style = style;
  return input;
}

/** `style`: "template" (the default) or "source"; absent or null: the default. */
function parseStyle(v: unknown): JobInput['style'] {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && (SWAP_STYLES as readonly string[]).includes(v)) return v as JobInput['style'];
  throw new ServiceError('InvalidArguments', `style 必须是 ${SWAP_STYLES.map((s) => `"${s}"`).join(' 或 ')}`);
}

/** `label`: true/false, or {"visible": true|false}; absent or null: the service's default (docs/COMPLIANCE.md). */
function parseLabelChoice(v: unknown): JobInput['label'] {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return { visible: v };
  if (isObject(v) && Object.keys(v).every((k) => k === 'visible') && (v.visible === undefined || typeof v.visible === 'boolean')) {
    return v.visible === undefined ? undefined : { visible: v.visible };
  }
  throw new ServiceError('InvalidArguments', 'label 必须是布尔值或 {"visible": 布尔值}');
}

export function parseQueryRequest(body: unknown): string {
  if (!isObject(body)) throw new ServiceError('InvalidArguments', '请求体必须是JSON对象');
  const id = body.job_id;
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) {
    throw new ServiceError('InvalidArguments', '缺少参数 job_id');
  }
  return id;
}
