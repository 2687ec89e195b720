// Reads frames of one stored image as stored through dicomweb-client (the client OHIF uses), as
// a viewer reading one frame of a multi-frame image does, and prints the SHA-256 of each as JSON, for tests/integration/test_cluster.py to compare between nodes.
// Arguments: study, series and SOP instance UIDs, the transfer syntax as stored, frame numbers.
// Environment: VIREO_DICOMWEB, VIREO_TOKEN, NODE_EXTRA_CA_CERTS.
import { createHash } from "node:crypto";
import XMLHttpRequest from "xhr2";
import dicomweb from "dicomweb-client";

globalThis.XMLHttpRequest = XMLHttpRequest;
const client = new dicomweb.api.DICOMwebClient({
  url: process.env.VIREO_DICOMWEB,
  headers: { Authorization: `Bearer ${process.env.VIREO_TOKEN}` },
});
const sha = (buffer) => createHash("sha256").update(Buffer.from(buffer)).digest("hex");
const [studyInstanceUID, seriesInstanceUID, sopInstanceUID, syntax, ...numbers] = process.argv.slice(2);
const ids = { studyInstanceUID, seriesInstanceUID, sopInstanceUID };
const frames = await client.retrieveInstanceFrames({
  ...ids, frameNumbers: numbers.map(Number), mediaTypes: [{ mediaType: "image/jpeg", transferSyntaxUID: syntax }] });
console.log(JSON.stringify({ frames: frames.map(sha) }));
