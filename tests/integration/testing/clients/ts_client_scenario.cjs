// Pinecone's TypeScript client against the emulator, configured only through the environment:
// PINECONE_API_KEY, PINECONE_CONTROLLER_HOST (the emulator's https:// control plane) and
// NODE_EXTRA_CA_CERTS (its CA). Driven by test_typescript_client.py, which asserts on the JSON
// this prints.
//
// Usage: node ts_client_scenario.cjs PACKAGE INDEX_NAME IMPORT_URI
//   PACKAGE is the installed client to load (e.g. @pinecone-database/pinecone or an npm alias).
// Prints one JSON object: what each call returned, or {"error": ...} at the first call that threw.
'use strict';

const [packageName, indexName, importUri] = process.argv.slice(2);
const { Pinecone } = require(packageName);

const TERMINAL = new Set(['Completed', 'Failed', 'Cancelled']);
const IMPORT_TIMEOUT_MS = 20000;
const POLL_MS = 50;

function values(seed) {
  // Deterministic, distinct unit-ish vectors of dimension 8.
  return Array.from({ length: 8 }, (_, i) => Math.sin(seed * 8 + i + 1));
}

async function waitForImport(index, id) {
  const deadline = Date.now() + IMPORT_TIMEOUT_MS;
  for (;;) {
    const model = await index.describeImport(id);
    if (TERMINAL.has(model.status)) return model;
    if (Date.now() > deadline) throw new Error(`import ${id} still ${model.status} after ${IMPORT_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function main() {
  const out = { version: require(`${packageName}/package.json`).version, calls: 0 };
  const pc = new Pinecone(); // apiKey and controllerHostUrl from the environment
  const step = async (name, call) => {
    out.calls += 1;
    out.last = name;
    const result = await call();
    out.last = null;
    return result;
  };
  try {
    const described = await step('describeIndex', () => pc.describeIndex(indexName));
    out.describe = { name: described.name, host: described.host, dimension: described.dimension };
    const listed = await step('listIndexes', () => pc.listIndexes());
    out.indexes = (listed.indexes || []).map((i) => i.name);

    const index = pc.index({ name: indexName }); // by name: the client looks the host up itself
    const started = await step('startImport', () => index.startImport({ uri: importUri, errorMode: 'continue' }));
    const first = await step('describeImport', () => index.describeImport(started.id));
    out.importStarted = { id: started.id, uri: first.uri, status: first.status };
    const imports = await step('listImports', () => index.listImports());
    out.importIds = (imports.data || []).map((m) => m.id);
    const done = await step('waitForImport', () => waitForImport(index, started.id));
    out.importDone = { status: done.status, recordsImported: done.recordsImported, percentComplete: done.percentComplete };

    const records = Array.from({ length: 12 }, (_, i) => ({ id: `ts-${i}`, values: values(i), metadata: { n: i } }));
    await step('upsert', () => index.upsert({ records, namespace: 'ts-upsert' }));
    const fetched = await step('fetch', () => index.fetch({ ids: ['ts-3', 'ts-7', 'absent'], namespace: 'ts-upsert' }));
    out.fetched = Object.fromEntries(
      Object.entries(fetched.records).map(([id, r]) => [id, { values: r.values, metadata: r.metadata }]),
    );
    const query = await step('query', () =>
      index.query({ vector: values(5), topK: 3, namespace: 'ts-upsert', includeMetadata: true }),
    );
    out.matches = query.matches.map((m) => ({ id: m.id, score: m.score, metadata: m.metadata }));
    const namespaces = await step('listNamespaces', () => index.listNamespaces());
    out.namespaces = Object.fromEntries((namespaces.namespaces || []).map((ns) => [ns.name, ns.recordCount]));
  } catch (error) {
    out.error = `${error.name}: ${error.message}`;
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main();
