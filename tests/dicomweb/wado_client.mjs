// Stores files through dicomweb-client (the client OHIF uses), then reads them back the ways
// a viewer does (series metadata, frames as stored and uncompressed, rendered, thumbnails,
// bulk data, instances) and prints what it got as JSON, digests instead of bytes, for
// tests/integration/test_dicomweb.py to compare with the files.
// Arguments: the files to store. Environment: VIREO_DICOMWEB, VIREO_TOKEN, NODE_EXTRA_CA_CERTS.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import XMLHttpRequest from "xhr2";
import dicomweb from "dicomweb-client";

globalThis.XMLHttpRequest = XMLHttpRequest;
const client = new dicomweb.api.DICOMwebClient({
  url: process.env.VIREO_DICOMWEB,
  headers: { Authorization: `Bearer ${process.env.VIREO_TOKEN}` },
});
const sha = (buffer) => createHash("sha256").update(Buffer.from(buffer)).digest("hex");
const head = (buffer, n) => Buffer.from(buffer).subarray(0, n).toString("hex");
// Some retrieve calls answer [ArrayBuffer], others the ArrayBuffer itself.
const single = (x) => (Array.isArray(x) ? x[0] : x);
const value = (ds, tag) => (ds[tag] && ds[tag].Value ? ds[tag].Value[0] : undefined);

const files = process.argv.slice(2);
const datasets = files.map((f) => {
  const b = readFileSync(f);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
});
let stored = await client.storeInstances({ datasets });  // the response body as text
if (typeof stored === "string") stored = JSON.parse(stored);
const out = { stored: (stored["00081199"] && stored["00081199"].Value.length) || 0, instances: {} };

for (const inst of await client.searchForInstances()) {
  const ids = { studyInstanceUID: value(inst, "0020000D"), seriesInstanceUID: value(inst, "0020000E"),
                sopInstanceUID: value(inst, "00080018") };
  const [meta] = await client.retrieveInstanceMetadata(ids);
  const series = await client.retrieveSeriesMetadata(ids);
  const got = {
    rows: value(meta, "00280010"), columns: value(meta, "00280011"), bits: value(meta, "00280100"),
    patientId: value(meta, "00100020"), transferSyntax: value(inst, "00083002"),
    seriesHasIt: series.some((m) => value(m, "00080018") === ids.sopInstanceUID),
  };
  // Uncompressed frame (the client's default Accept), then the stored bitstream.
  const [raw] = await client.retrieveInstanceFrames({ ...ids, frameNumbers: [1] });
  got.frame = { sha256: sha(raw), length: raw.byteLength };
  const storedType = { "1.2.840.10008.1.2.4.80": "image/jls", "1.2.840.10008.1.2.4.91": "image/jp2" }[got.transferSyntax];
  if (storedType) {
    const [bitstream] = await client.retrieveInstanceFrames({
      ...ids, frameNumbers: [1], mediaTypes: [{ mediaType: storedType, transferSyntaxUID: got.transferSyntax }] });
    got.storedFrameHead = head(bitstream, 4);
  }
  const png = single(await client.retrieveInstanceRendered({ ...ids, mediaTypes: [{ mediaType: "image/png" }] }));
  got.renderedHead = head(png, 8);
  got.renderedSize = [Buffer.from(png).readUInt32BE(16), Buffer.from(png).readUInt32BE(20)];
  const thumb = single(await client.retrieveInstanceThumbnail({ ...ids, mediaTypes: [{ mediaType: "image/jpeg" }] }));
  got.thumbnailHead = head(thumb, 2);
  const [bulk] = await client.retrieveBulkData({ BulkDataURI: meta["7FE00010"].BulkDataURI });
  got.bulkLength = bulk.byteLength;
  got.instanceSha256 = sha(single(await client.retrieveInstance(ids)));
  out.instances[ids.sopInstanceUID] = got;
}
console.log(JSON.stringify(out));
