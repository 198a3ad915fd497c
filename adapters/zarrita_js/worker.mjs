// zarrita.js as a zarr-conformance worker (protocol version 2, see ../PROTOCOL.md).
// Reads only: zarrita.js opens v2 and v3 arrays and groups; it has no API to list members.
import * as zarr from "zarrita";
import FileSystemStore from "@zarrita/storage/fs";
import { createInterface } from "node:readline";
import { readFileSync, writeFileSync } from "node:fs";
// the worker runs beside the node_modules folder its environment installed
const version = JSON.parse(readFileSync(new URL("./node_modules/zarrita/package.json", import.meta.url), "utf8")).version;

// The kit hands its vocabulary to every worker: data type names with their NumPy codes.
const vocabulary = JSON.parse(process.env.ZARR_CONFORMANCE_VOCABULARY ?? "{}");

// what zarrita.js decodes each NumPy code into; a kit data type without one is not claimed
const TYPED_ARRAYS = {
  "?": ["|b1", Uint8Array], i1: ["|i1", Int8Array], u1: ["|u1", Uint8Array],
  i2: ["<i2", Int16Array], u2: ["<u2", Uint16Array], i4: ["<i4", Int32Array],
  u4: ["<u4", Uint32Array], i8: ["<i8", BigInt64Array], u8: ["<u8", BigUint64Array],
  f4: ["<f4", Float32Array], f8: ["<f8", Float64Array],
};
const TYPES = Object.fromEntries(
  Object.entries(vocabulary.data_types ?? {})
    .filter(([, type]) => type.numpy in TYPED_ARRAYS)
    .map(([name, type]) => [name, TYPED_ARRAYS[type.numpy]]),
);

const capabilities = {
  read_formats: [2, 3],
  dtypes: Object.keys(TYPES),
  codecs: ["bytes", "transpose", "gzip", "zstd", "blosc", "crc32c", "sharding_indexed"],
  v2_codecs: ["zlib", "gzip", "zstd", "blosc"],
  chunk_key_encodings: ["default", "v2"],
  features: ["strided_selection", "sharding", "attributes", "dimension_names", "fortran_order"],
};

function send(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

function typeOf(dtype) {
  const found = TYPES[dtype];
  if (!found) throw new TypeError(`zarrita.js data type ${dtype} has no mapping in the worker`);
  return found;
}

// One scalar as {dtype, hex}: NumPy typestr and its little-endian bytes.
function encodeScalar(value, dtype) {
  if (value === null || value === undefined) return null;
  const [descr, Typed] = typeOf(dtype);
  const one = new Typed(1);
  one[0] = dtype === "bool" ? (value ? 1 : 0) : value;
  return { dtype: descr, hex: Buffer.from(one.buffer).toString("hex") };
}

function npy(data, shape, stride, dtype) {
  const [descr, Typed] = typeOf(dtype);
  const count = shape.reduce((a, b) => a * b, 1);
  const out = new Typed(count);
  const source = dtype === "bool" ? Array.from(data, (v) => (v ? 1 : 0)) : data;
  const index = new Array(shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let offset = 0;
    for (let d = 0; d < shape.length; d++) offset += index[d] * stride[d];
    out[i] = source[offset];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  const total = 10 + header.length + 1;
  header = header + " ".repeat((64 - (total % 64)) % 64) + "\n";
  const prefix = Buffer.alloc(10);
  prefix.write("\x93NUMPY", 0, "latin1");
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, "latin1"), Buffer.from(out.buffer)]);
}

async function node(args, kind) {
  const location = zarr.root(new FileSystemStore(args.store));
  return zarr.open(args.path ? location.resolve(args.path) : location, { kind });
}

// A selection in the protocol's JSON form (see ../PROTOCOL.md); zarrita.js has basic
// selections without Ellipsis, so "..." becomes the full slices (null) it stands for.
function selectionOf(selection, ndim) {
  if (selection.kind !== "basic") throw new TypeError(`zarrita.js has no ${selection.kind} selection`);
  const items = selection.items;
  const at = items.indexOf("...");
  const expanded = at < 0
    ? items
    : [...items.slice(0, at), ...Array(ndim - items.length + 1).fill(null), ...items.slice(at + 1)];
  return expanded.map((item) =>
    item === null ? null : typeof item === "object" ? zarr.slice(item.start, item.stop, item.step ?? 1) : item
  );
}

const verbs = {
  async open_array(args) {
    const array = await node(args, "array");
    const names = array.dimensionNames;
    return {
      zarr_format: formatOf(args),
      shape: array.shape,
      dtype: typeOf(array.dtype)[0],
      chunks: array.chunks,
      shards: shardShape(args),
      fill_value: encodeScalar(array.fillValue, array.dtype),
      attributes: array.attrs ?? {},
      dimension_names: names ?? null,
    };
  },
  async read(args) {
    const array = await node(args, "array");
    const result = await zarr.get(array, selectionOf(args.selection, array.shape.length));
    const chunk = result !== null && typeof result === "object" && "data" in result
      ? result
      : { data: [result], shape: [], stride: [] };
    writeFileSync(args.out, npy(chunk.data, chunk.shape, chunk.stride, array.dtype));
    return { npy: args.out };
  },
  async open_group(args) {
    const group = await node(args, "group");
    return { zarr_format: formatOf(args), attributes: group.attrs ?? {} };
  },
};

// zarrita.js reports the inner chunk shape of a sharded array but not the shard shape:
// take it from the chunk grid when the outer codec list holds sharding_indexed.
function shardShape(args) {
  if (formatOf(args) !== 3) return null;
  const prefix = args.path ? `${args.store}/${args.path}` : args.store;
  const metadata = JSON.parse(readFileSync(`${prefix}/zarr.json`, "utf8"));
  const sharded = (metadata.codecs ?? []).some((c) => (typeof c === "string" ? c : c.name) === "sharding_indexed");
  return sharded ? metadata.chunk_grid.configuration.chunk_shape : null;
}

function formatOf(args) {
  const prefix = args.path ? `${args.store}/${args.path}` : args.store;
  try {
    readFileSync(`${prefix}/zarr.json`);
    return 3;
  } catch {
    return 2;
  }
}

// zarrita.js can leave promises behind that reject after a request was answered; log
// them instead of letting node end the process in the middle of a later request
process.on("unhandledRejection", (reason) => console.error("unhandled rejection:", reason));

send({ protocol: "zarr-conformance-worker", protocol_version: 3, name: "zarrita-js", version, capabilities });
const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const request = JSON.parse(line);
  if (request.verb === "shutdown") {
    send({ id: request.id, result: null });
    break;
  }
  const handler = verbs[request.verb];
  if (!handler) {
    send({ id: request.id, error: { type: "NotSupported", message: request.verb, not_supported: true } });
    continue;
  }
  try {
    send({ id: request.id, result: (await handler(request.args)) ?? null });
  } catch (error) {
    send({ id: request.id, error: { type: error?.constructor?.name ?? "Error", message: String(error?.message ?? error) } });
  }
}
