// A second, independent UPS-RS client for the integration tests (the npm package ws, not
// Beast): opens the event channel of an AE title (PS3.18 8.10.4) and prints each event report
// it hears as one JSON line, until `count` have come or `seconds` have passed.
//
//   node peers/ups_channel.mjs wss://host:port/dicom-web/subscribers/AE ca.pem token count seconds
// Prints {"open": true}, then {"report": {...DICOM JSON...}} per message, then {"closed": code}
// (or {"refused": httpStatus}, {"timeout": true}, {"error": "..."}).
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const [url, ca, token, count, seconds] = process.argv.slice(2);
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const ws = new WebSocket(url, { ca: readFileSync(ca), headers: { Authorization: `Bearer ${token}` } });
let heard = 0;
ws.on('open', () => say({ open: true }));
ws.on('message', (data, isBinary) => {
  say({ report: JSON.parse(data.toString()), binary: isBinary });
  heard += 1;
  if (heard >= Number(count)) ws.close(1000);
});
ws.on('close', (code) => {
  say({ closed: code });
  process.exit(0);
});
ws.on('unexpected-response', (_req, res) => {
  say({ refused: res.statusCode });
  process.exit(0);
});
ws.on('error', (e) => {
  say({ error: String(e.message) });
  process.exit(1);
});
setTimeout(() => {
  say({ timeout: true });
  process.exit(0);
}, Number(seconds) * 1000);
