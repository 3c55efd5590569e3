// Runs a TensorFlow.js graph model with TensorFlow.js itself (pure-JS CPU backend): the reference the ONNX conversion
// is checked against (tests/Scarlet.Vision.Tests HumanModelConversionTests).
// Usage: node tfjs-reference.mjs MODEL.json INPUT.f32 N,H,W,C OUT.json NODE[,NODE...]
//   INPUT.f32: little-endian float32 NHWC; OUT.json: [{ "name", "shape", "data" }] in the order of NODE.
// @tensorflow/tfjs comes from scripts/models/install-tfjs.sh (an ignored folder, .tfjs/ at the repository root).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const [modelPath, inputPath, shapeArg, outPath, nodesArg] = process.argv.slice(2);
if (!nodesArg) {
  console.error('usage: node tfjs-reference.mjs MODEL.json INPUT.f32 N,H,W,C OUT.json NODE[,NODE...]');
  process.exit(2);
}
const root = process.env.SCARLET_TFJS_DIR ?? join(dirname(new URL(import.meta.url).pathname), '..', '..', '.tfjs');
const tf = createRequire(join(root, 'package.json'))('@tensorflow/tfjs');
await tf.setBackend('cpu');

const json = JSON.parse(readFileSync(modelPath, 'utf8'));
const dir = dirname(modelPath);
const specs = [];
const buffers = [];
for (const group of json.weightsManifest) {
  specs.push(...group.weights);
  for (const p of group.paths) buffers.push(readFileSync(join(dir, p)));
}
const all = Buffer.concat(buffers);
const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
const handler = {
  load: async () => ({
    modelTopology: json.modelTopology, format: json.format, generatedBy: json.generatedBy,
    convertedBy: json.convertedBy, signature: json.signature, userDefinedMetadata: json.userDefinedMetadata,
    weightSpecs: specs, weightData,
  }),
};
const model = await tf.loadGraphModel(handler);
const shape = shapeArg.split(',').map(Number);
const raw = readFileSync(inputPath);
const input = tf.tensor(new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4), shape, 'float32');
const nodes = nodesArg.split(',');
let outs = model.execute(input, nodes);
if (!Array.isArray(outs)) outs = [outs];
const result = outs.map((t, i) => ({ name: nodes[i], shape: t.shape, data: Array.from(t.dataSync()) }));
writeFileSync(outPath, JSON.stringify(result));
console.log(`tfjs ${tf.version.tfjs} backend ${tf.getBackend()}: ${result.map(r => `${r.name}[${r.shape}]`).join(' ')}`);
