// Request validation without Fastify's defaults (type coercion, defaults, removing extra fields):
// the body a handler sees is exactly what the caller sent, so jobs/validate.ts judges the real input.
import { Ajv } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

const ajv = new Ajv({ coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: false, strict: true });

export const strictValidatorCompiler: FastifySchemaCompiler<object> = ({ schema }) => ajv.compile(schema);
