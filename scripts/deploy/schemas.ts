/**
 * JSON schemas for kubeconform, built offline from Go modules (what the module proxy serves):
 *   - Kubernetes core/apps/batch/policy/…: api/openapi-spec/swagger.json of k8s.io/kubernetes
 *   - Knative Serving, Eventing (incl. Sources), eventing-rabbitmq, RabbitMQ cluster operator,
 *     Gateway API: the CustomResourceDefinitions those modules ship (openAPIV3Schema)
 * converted like kubeconform's openapi2jsonschema.py in "standalone strict" mode: every
 * object that lists its properties rejects unknown ones (a typo fails), IntOrString and
 * Quantity accept both forms, `nullable` allows null. CRD `metadata` gets the real ObjectMeta
 * schema, so a typo there fails too.
 *
 * Layout (kubeconform -schema-location):
 *   <out>/<group or "core">/<kind lower-case>_<version>.json
 *   {{ if eq .Group .ResourceAPIVersion }}core{{ else }}{{ .Group }}{{ end }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json
 * (kubeconform gives core objects, apiVersion "v1", the group "v1".)
 *
 *   tsx scripts/deploy/schemas.ts --out DIR --swagger FILE --crds FILE|DIR ...
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

type Schema = Record<string, unknown>;

export const SCHEMA_LOCATION_TEMPLATE = '{{ if eq .Group .ResourceAPIVersion }}core{{ else }}{{ .Group }}{{ end }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json';

const INT_OR_STRING = { oneOf: [{ type: 'string' }, { type: 'integer' }] };
const QUANTITY = { oneOf: [{ type: 'string' }, { type: 'number' }] };

/** Recursively makes a schema strict and JSON-Schema-valid; returns a new object. */
export function strictify(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictify);
  if (!node || typeof node !== 'object') return node;
  const src = node as Schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === 'properties' || k === 'patternProperties' || k === 'definitions') {
      out[k] = Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, strictify(s)]));
    } else {
      out[k] = strictify(v);
    }
  }
  if (src['x-kubernetes-int-or-string'] === true && !src.anyOf && !src.oneOf) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (src.nullable === true && typeof src.type === 'string') out.type = [src.type, 'null'];
  const open = src['x-kubernetes-preserve-unknown-fields'] === true;
  if (src.properties && src.additionalProperties === undefined && !open) out.additionalProperties = false;
  return out;
}

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

const fileOf = (out: string, g: Gvk) => join(out, g.group || 'core', `${g.kind.toLowerCase()}_${g.version}.json`);

function write(out: string, gvk: Gvk, schema: Schema): string {
  const file = fileOf(out, gvk);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, JSON.stringify(schema));
  return file;
}

/** Definitions reachable from `root` through "#/definitions/…" refs. */
function closure(defs: Record<string, Schema>, root: unknown): Record<string, Schema> {
  const seen: Record<string, Schema> = {};
  const visit = (n: unknown) => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (!n || typeof n !== 'object') return;
    for (const [k, v] of Object.entries(n as Schema)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/')) {
        const name = v.slice('#/definitions/'.length);
        if (!seen[name] && defs[name]) {
          seen[name] = defs[name];
          visit(defs[name]);
        }
      } else visit(v);
    }
  };
  visit(root);
  return seen;
}

/** Kubernetes swagger 2.0 definitions, converted (IntOrString, Quantity, strict). */
export function kubernetesDefinitions(swaggerFile: string): Record<string, Schema> {
  const swagger = JSON.parse(readFileSync(swaggerFile, 'utf8')) as { definitions: Record<string, Schema> };
  const defs: Record<string, Schema> = {};
  for (const [name, def] of Object.entries(swagger.definitions)) {
    if (name === 'io.k8s.apimachinery.pkg.util.intstr.IntOrString') defs[name] = { description: def.description, ...INT_OR_STRING };
    else if (name === 'io.k8s.apimachinery.pkg.api.resource.Quantity') defs[name] = { description: def.description, ...QUANTITY };
    else defs[name] = strictify(def) as Schema;
  }
  return defs;
}

export function writeKubernetesSchemas(swaggerFile: string, out: string): string[] {
  const defs = kubernetesDefinitions(swaggerFile);
  const files: string[] = [];
  for (const def of Object.values(defs)) {
    const gvks = def['x-kubernetes-group-version-kind'] as Gvk[] | undefined;
    if (!gvks) continue;
    const schema = { ...def, definitions: closure(defs, def) };
    for (const gvk of gvks) files.push(write(out, gvk, schema));
  }
  return files;
}

const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

export function writeCrdSchemas(crdFiles: readonly string[], out: string, k8sDefs?: Record<string, Schema>): string[] {
  const files: string[] = [];
  const meta = k8sDefs?.[OBJECT_META];
  const metaDefs = meta ? { [OBJECT_META]: meta, ...closure(k8sDefs!, meta) } : undefined;
  for (const file of crdFiles) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const crd = doc.toJS() as Schema | null;
      if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
      const spec = crd.spec as { group: string; names: { kind: string }; versions: { name: string; schema?: { openAPIV3Schema?: Schema } }[] };
      for (const v of spec.versions) {
        const raw = v.schema?.openAPIV3Schema;
        if (!raw) continue;
        const schema = strictify(raw) as Schema;
        // Every object has these; some CRDs leave them out of their schema.
        const props: Schema = { apiVersion: { type: 'string' }, kind: { type: 'string' }, ...((schema.properties ?? {}) as Schema) };
        if (metaDefs) {
          props.metadata = { $ref: `#/definitions/${OBJECT_META}` };
          schema.definitions = metaDefs;
        }
        schema.properties = props;
        files.push(write(out, { group: spec.group, version: v.name, kind: spec.names.kind }, schema));
      }
    }
  }
  return files;
}

function yamlFiles(path: string): string[] {
  if (!existsSync(path)) throw new Error(`no such file or directory: ${path}`);
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(path, f))
    .sort();
}

if (process.argv[1]?.endsWith('schemas.ts')) {
  const args = process.argv.slice(2);
  const outIdx = args.indexOf('--out');
  const swIdx = args.indexOf('--swagger');
  const crdIdx = args.indexOf('--crds');
  if (outIdx < 0 || swIdx < 0) {
    process.stderr.write('usage: tsx scripts/deploy/schemas.ts --out DIR --swagger swagger.json [--crds FILE|DIR ...]\n');
    process.exit(2);
  }
  const out = args[outIdx + 1]!;
  const swagger = args[swIdx + 1]!;
  const crdPaths = crdIdx >= 0 ? args.slice(crdIdx + 1).filter((a) => !a.startsWith('--')) : [];
  const k8s = writeKubernetesSchemas(swagger, out);
  const defs = kubernetesDefinitions(swagger);
  const crds = writeCrdSchemas(crdPaths.flatMap(yamlFiles), out, defs);
  process.stdout.write(`wrote ${k8s.length} Kubernetes and ${crds.length} CRD schemas to ${out}\n`);
}
