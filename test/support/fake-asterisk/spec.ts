// The ARI description the simulated Asterisk checks every request against: Asterisk's
// own Swagger 1.x files when ../shared/ari is there, else the project's subset
// (src/carriers/ari/ari-subset.json). Both load into the same shape.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ParamSpec {
  name: string;
  in: 'path' | 'query' | 'body';
  type: string;
  required: boolean;
  list: boolean;
  enum: string[] | null;
  min: number | null;
}

export interface OperationSpec {
  /** `resource.nickname`, e.g. `channels.play`. */
  op: string;
  method: string;
  path: string;
  segments: string[];
  returns: string;
  errors: number[];
  params: Map<string, ParamSpec>;
}

export interface FieldSpec {
  type: string;
  required: boolean;
  enum: string[] | null;
}

export type Fields = Map<string, FieldSpec>;

export interface ApiSpec {
  source: 'official' | 'subset';
  apiVersion: string;
  operations: OperationSpec[];
  models: Map<string, Fields>;
  /** Event models, each with the fields it inherits from Message and Event. */
  events: Map<string, Fields>;
  /** The description files as Asterisk serves them (`resources`, `channels`, …), basePath still to rewrite. */
  documents: Map<string, unknown>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = path.resolve(here, '../../..');
export const SUBSET_FILE = path.join(PROJECT_ROOT, 'src/carriers/ari/ari-subset.json');

/** `../shared/ari` beside the project, when it exists. */
export function officialSpecDir(): string | null {
  const dir = path.resolve(PROJECT_ROOT, '../shared/ari');
  return existsSync(path.join(dir, 'resources.json')) ? dir : null;
}

/** The official description when it is there, else the subset; FAKE_ASTERISK_SPEC=subset forces the subset. */
export function loadSpec(dir: string | null = process.env['FAKE_ASTERISK_SPEC'] === 'subset' ? null : officialSpecDir()): ApiSpec {
  return dir ? loadOfficial(dir) : loadSubset(SUBSET_FILE);
}

// --- Asterisk's files -----------------------------------------------------------

interface SwaggerParam {
  name: string;
  paramType: 'path' | 'query' | 'body';
  dataType: string;
  required?: boolean;
  allowMultiple?: boolean;
  allowableValues?: { valueType: string; values?: string[]; min?: number };
}
interface SwaggerOperation {
  httpMethod: string;
  nickname: string;
  responseClass: string;
  parameters?: SwaggerParam[];
  errorResponses?: Array<{ code: number | string }>;
}
interface SwaggerProperty {
  type: string;
  required?: boolean;
  allowableValues?: { values?: string[] };
}
interface SwaggerDeclaration {
  apiVersion: string;
  apis: Array<{ path: string; operations: SwaggerOperation[] }>;
  models?: Record<string, { properties?: Record<string, SwaggerProperty>; subTypes?: string[] }>;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export function loadOfficial(dir: string): ApiSpec {
  const listing = readJson<{ apiVersion: string; apis: Array<{ path: string }> }>(path.join(dir, 'resources.json'));
  const documents = new Map<string, unknown>([['resources', listing]]);
  const operations: OperationSpec[] = [];
  const models = new Map<string, Fields>();
  let eventsDecl: SwaggerDeclaration | null = null;
  for (const api of listing.apis) {
    const name = /\/api-docs\/([A-Za-z]+)\.\{format\}/.exec(api.path)?.[1];
    if (!name) continue;
    const decl = readJson<SwaggerDeclaration>(path.join(dir, 'api-docs', `${name}.json`));
    documents.set(name, decl);
    if (name === 'events') eventsDecl = decl;
    for (const a of decl.apis) {
      for (const o of a.operations) {
        const params = new Map<string, ParamSpec>();
        for (const p of o.parameters ?? []) {
          params.set(p.name, {
            name: p.name,
            in: p.paramType,
            type: p.dataType,
            required: p.required === true,
            list: p.allowMultiple === true,
            enum: p.allowableValues?.valueType === 'LIST' ? (p.allowableValues.values ?? null) : null,
            min: p.allowableValues?.valueType === 'RANGE' ? (p.allowableValues.min ?? null) : null,
          });
        }
        operations.push({
          op: `${name}.${o.nickname}`,
          method: o.httpMethod,
          path: a.path,
          segments: splitPath(a.path),
          returns: o.responseClass,
          errors: (o.errorResponses ?? []).map((e) => Number(e.code)),
          params,
        });
      }
    }
    for (const [id, m] of Object.entries(decl.models ?? {})) models.set(id, fieldsOf(m.properties ?? {}));
  }
  const events = new Map<string, Fields>();
  if (eventsDecl) {
    const eventModels = eventsDecl.models ?? {};
    const base = new Map([...(models.get('Message') ?? []), ...(models.get('Event') ?? [])]);
    for (const id of eventModels['Event']?.subTypes ?? []) {
      events.set(id, new Map([...base, ...(models.get(id) ?? [])]));
    }
  }
  return { source: 'official', apiVersion: listing.apiVersion, operations, models, events, documents };
}

function fieldsOf(properties: Record<string, SwaggerProperty>): Fields {
  const fields: Fields = new Map();
  for (const [name, p] of Object.entries(properties)) {
    fields.set(name, { type: p.type, required: p.required === true, enum: p.allowableValues?.values ?? null });
  }
  return fields;
}

// --- the project's subset --------------------------------------------------------

interface SubsetFile {
  apiVersion: string;
  operations: Array<{ op: string; method: string; path: string; returns: string; errors: number[]; params: Record<string, string> }>;
  models: Record<string, Record<string, string>>;
  events: Record<string, Record<string, string>>;
}

export function loadSubset(file: string): ApiSpec {
  const subset = readJson<SubsetFile>(file);
  const operations: OperationSpec[] = subset.operations.map((o) => ({
    op: o.op,
    method: o.method,
    path: o.path,
    segments: splitPath(o.path),
    returns: o.returns,
    errors: o.errors,
    params: new Map(Object.entries(o.params).map(([name, d]) => [name, parseParam(name, d)])),
  }));
  const models = new Map(Object.entries(subset.models).map(([id, f]) => [id, parseFields(f)]));
  const base = new Map([...parseFields(subset.events['Message'] ?? {}), ...parseFields(subset.events['Event'] ?? {})]);
  const events = new Map(
    Object.entries(subset.events)
      .filter(([id]) => id !== 'Message' && id !== 'Event')
      .map(([id, f]) => [id, new Map([...base, ...parseFields(f)])]),
  );
  const spec: ApiSpec = { source: 'subset', apiVersion: subset.apiVersion, operations, models, events, documents: new Map() };
  for (const [name, doc] of swaggerDocuments(spec)) spec.documents.set(name, doc);
  return spec;
}

/** `query string list required enum=a|b min=0` → a parameter. */
export function parseParam(name: string, descriptor: string): ParamSpec {
  const words = descriptor.split(' ');
  const [where, type] = words;
  if (where !== 'path' && where !== 'query' && where !== 'body') throw new Error(`${name}: bad location in "${descriptor}"`);
  return {
    name,
    in: where,
    type: type ?? 'string',
    required: words.includes('required'),
    list: words.includes('list'),
    enum: option(descriptor, 'enum')?.split('|') ?? null,
    min: option(descriptor, 'min') === null ? null : Number(option(descriptor, 'min')),
  };
}

function parseFields(fields: Record<string, string>): Fields {
  return new Map(
    Object.entries(fields).map(([name, d]) => {
      const type = d.split(' ')[0] ?? 'string';
      return [name, { type, required: d.split(' ').includes('required'), enum: option(d, 'enum')?.split('|') ?? null }];
    }),
  );
}

/** The value of `key=…` in a descriptor; enum values may contain spaces (`Dialing Offhook`). */
function option(descriptor: string, key: string): string | null {
  const match = new RegExp(`(?:^| )${key}=(.*?)(?= (?:required|list|enum=|min=)|$)`).exec(descriptor);
  return match?.[1] ?? null;
}

/** Swagger 1.1 files generated from the subset, so the simulator can serve a description either way. */
function swaggerDocuments(spec: ApiSpec): Map<string, unknown> {
  const byResource = new Map<string, OperationSpec[]>();
  for (const o of spec.operations) {
    const resource = o.op.split('.')[0] as string;
    byResource.set(resource, [...(byResource.get(resource) ?? []), o]);
  }
  const docs = new Map<string, unknown>();
  docs.set('resources', {
    apiVersion: spec.apiVersion,
    swaggerVersion: '1.1',
    basePath: 'http://localhost:8088/ari',
    apis: [...byResource.keys()].map((r) => ({ path: `/api-docs/${r}.{format}`, description: `${r} resources` })),
  });
  for (const [resource, ops] of byResource) {
    const paths = [...new Set(ops.map((o) => o.path))];
    docs.set(resource, {
      apiVersion: spec.apiVersion,
      swaggerVersion: '1.1',
      basePath: 'http://localhost:8088/ari',
      resourcePath: `/api-docs/${resource}.{format}`,
      apis: paths.map((p) => ({
        path: p,
        operations: ops
          .filter((o) => o.path === p)
          .map((o) => ({
            httpMethod: o.method,
            nickname: o.op.split('.')[1],
            responseClass: o.returns,
            parameters: [...o.params.values()].map((param) => ({
              name: param.name,
              paramType: param.in,
              dataType: param.type,
              required: param.required,
              allowMultiple: param.list,
              ...(param.enum ? { allowableValues: { valueType: 'LIST', values: param.enum } } : {}),
              ...(param.min !== null ? { allowableValues: { valueType: 'RANGE', min: param.min } } : {}),
            })),
            errorResponses: o.errors.map((code) => ({ code, reason: '' })),
          })),
      })),
      models: resource === 'events' ? modelsJson(spec.events) : {},
    });
  }
  const channels = docs.get('channels') as { models: unknown } | undefined;
  if (channels) channels.models = modelsJson(spec.models);
  return docs;
}

function modelsJson(models: Map<string, Fields>): Record<string, unknown> {
  return Object.fromEntries(
    [...models].map(([id, fields]) => [
      id,
      {
        id,
        properties: Object.fromEntries(
          [...fields].map(([name, f]) => [
            name,
            { type: f.type, required: f.required, ...(f.enum ? { allowableValues: { valueType: 'LIST', values: f.enum } } : {}) },
          ]),
        ),
      },
    ]),
  );
}

// --- matching and checking requests ------------------------------------------------

export function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s.length > 0);
}

export type Match =
  | { kind: 'ok'; operation: OperationSpec; pathParams: Record<string, string> }
  | { kind: 'no-path' }
  | { kind: 'no-method'; allowed: string[] };

/**
 * The operation for a request path (after `/ari`). As in Asterisk's path tree, a
 * literal part beats a `{param}`: `POST /channels/create` is never originateWithId,
 * and the method is chosen only once the path is resolved.
 */
export function matchOperation(spec: ApiSpec, method: string, rawSegments: string[]): Match {
  const candidates: Array<{ operation: OperationSpec; score: number }> = [];
  for (const operation of spec.operations) {
    const score = pathScore(operation, rawSegments);
    if (score >= 0) candidates.push({ operation, score });
  }
  if (candidates.length === 0) return { kind: 'no-path' };
  const top = Math.max(...candidates.map((c) => c.score));
  const resolved = candidates.filter((c) => c.score === top);
  const hit = resolved.find((c) => c.operation.method === method);
  if (!hit) return { kind: 'no-method', allowed: resolved.map((c) => c.operation.method) };
  const pathParams: Record<string, string> = {};
  hit.operation.segments.forEach((seg, i) => {
    if (seg.startsWith('{')) pathParams[seg.slice(1, -1)] = safeDecode(rawSegments[i] as string);
  });
  return { kind: 'ok', operation: hit.operation, pathParams };
}

/** Literal parts matched (weighted by position, earlier first), or -1 if the path does not fit. */
function pathScore(o: OperationSpec, raw: string[]): number {
  if (o.segments.length !== raw.length) return -1;
  let score = 0;
  for (let i = 0; i < o.segments.length; i += 1) {
    const seg = o.segments[i] as string;
    if (seg.startsWith('{') && seg.endsWith('}')) continue;
    if (seg !== raw[i]) return -1;
    score += 2 ** (o.segments.length - i);
  }
  return score;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export interface Problem {
  message: string;
  /** Real Asterisk would answer 400 (a missing or malformed parameter). */
  rejects: boolean;
}

/** Checks a request's parameters against its operation. */
export function checkParams(
  operation: OperationSpec,
  query: Map<string, string[]>,
  body: Record<string, unknown> | null,
): Problem[] {
  const problems: Problem[] = [];
  for (const [name, values] of query) {
    if (name === 'api_key') continue;
    const param = operation.params.get(name);
    if (!param || param.in === 'path') {
      problems.push({ message: `unknown parameter "${name}"`, rejects: false });
      continue;
    }
    if (param.in === 'body') {
      problems.push({ message: `"${name}" belongs in the JSON body`, rejects: false });
      continue;
    }
    if (values.length > 1) problems.push({ message: `"${name}" given ${values.length} times (Asterisk keeps the last)`, rejects: false });
    problems.push(...checkValue(param, values[values.length - 1] as string));
  }
  for (const [name, value] of Object.entries(body ?? {})) {
    const param = operation.params.get(name);
    if (!param) problems.push({ message: `unknown body field "${name}"`, rejects: false });
    else if (param.in === 'body' && (typeof value !== 'object' || value === null)) {
      problems.push({ message: `"${name}" must be a JSON object`, rejects: true });
    }
  }
  for (const param of operation.params.values()) {
    if (!param.required || param.in === 'path') continue;
    const given = param.in === 'body' ? body?.[param.name] !== undefined : query.has(param.name) || body?.[param.name] !== undefined;
    if (!given) problems.push({ message: `missing required parameter "${param.name}"`, rejects: true });
  }
  return problems;
}

function checkValue(param: ParamSpec, value: string): Problem[] {
  const problems: Problem[] = [];
  const items = param.list ? value.split(',') : [value];
  for (const item of items) {
    if (item === '') {
      problems.push({ message: `"${param.name}" has an empty value`, rejects: true });
      continue;
    }
    switch (param.type) {
      case 'int':
      case 'long':
        if (!/^-?\d+$/.test(item)) problems.push({ message: `"${param.name}" must be a whole number, got "${item}"`, rejects: true });
        else if (param.min !== null && Number(item) < param.min) {
          problems.push({ message: `"${param.name}" must be at least ${param.min}, got ${item}`, rejects: true });
        }
        break;
      case 'boolean':
        if (item !== 'true' && item !== 'false') problems.push({ message: `"${param.name}" must be true or false, got "${item}"`, rejects: true });
        break;
      default:
        break;
    }
    if (param.enum && !param.enum.includes(item)) {
      problems.push({ message: `"${param.name}" must be one of ${param.enum.join(', ')}; got "${item}"`, rejects: true });
    }
  }
  return problems;
}

/** Checks a JSON value against a model (nested models, lists, enums, required fields). */
export function checkModel(spec: ApiSpec, fields: Fields, value: unknown, where: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${where}: not an object`];
  const problems: string[] = [];
  const record = value as Record<string, unknown>;
  for (const [name, field] of fields) {
    const v = record[name];
    if (v === undefined) {
      if (field.required) problems.push(`${where}.${name}: missing`);
      continue;
    }
    problems.push(...checkType(spec, field.type, v, `${where}.${name}`));
    if (field.enum && typeof v === 'string' && !field.enum.includes(v)) problems.push(`${where}.${name}: "${v}" not in ${field.enum.join('|')}`);
  }
  for (const name of Object.keys(record)) {
    if (!fields.has(name)) problems.push(`${where}.${name}: not in the model`);
  }
  return problems;
}

function checkType(spec: ApiSpec, type: string, v: unknown, where: string): string[] {
  const list = /^List\[(.+)\]$/.exec(type);
  if (list) {
    if (!Array.isArray(v)) return [`${where}: not a list`];
    return v.flatMap((item, i) => checkType(spec, list[1] as string, item, `${where}[${i}]`));
  }
  switch (type) {
    case 'string':
      return typeof v === 'string' ? [] : [`${where}: not a string`];
    case 'int':
    case 'long':
      return Number.isInteger(v) ? [] : [`${where}: not a whole number`];
    case 'double':
      return typeof v === 'number' ? [] : [`${where}: not a number`];
    case 'boolean':
      return typeof v === 'boolean' ? [] : [`${where}: not a boolean`];
    case 'Date':
      return typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$/.test(v) ? [] : [`${where}: not an Asterisk time`];
    case 'object':
      return typeof v === 'object' && v !== null ? [] : [`${where}: not an object`];
    default: {
      const model = spec.models.get(type);
      return model ? checkModel(spec, model, v, where) : [`${where}: unknown type ${type}`];
    }
  }
}
