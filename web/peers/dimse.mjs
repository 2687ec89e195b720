// A second, independent DICOM peer for the integration tests (dcmjs-dimse, not DCMTK): runs
// the requests of a JSON file on one association and prints what came back, as JSON.
//
//   node peers/dimse.mjs requests.json host port callingAe calledAe
// requests.json: [{"op": "worklist", "elements": {...}},
//                 {"op": "create", "uid": "1.2.3", "elements": {...}},   (MPPS N-CREATE)
//                 {"op": "set", "uid": "1.2.3", "elements": {...}}]      (MPPS N-SET)
// elements: naturalized DICOM (keywords, sequences as arrays of objects).
// Prints [{"status": 0, "errorComment": "...", "datasets": [...]}, ...], one per request.
import { readFileSync } from 'node:fs';
import dimse from 'dcmjs-dimse';

const { Client, Dataset } = dimse;
const { CFindRequest, NCreateRequest, NSetRequest } = dimse.requests;
const { Status, SopClass } = dimse.constants;

const [file, host, port, calling, called] = process.argv.slice(2);
const wanted = JSON.parse(readFileSync(file, 'utf8'));
const results = wanted.map(() => ({ status: null, errorComment: '', datasets: [] }));
const client = new Client();

wanted.forEach((w, i) => {
  let request;
  if (w.op === 'worklist') request = CFindRequest.createWorklistFindRequest(w.elements);
  else if (w.op === 'create') request = new NCreateRequest(SopClass.ModalityPerformedProcedureStep, w.uid);
  else if (w.op === 'set') request = new NSetRequest(SopClass.ModalityPerformedProcedureStep, w.uid);
  else throw new Error(`unknown op ${w.op}`);
  if (w.op !== 'worklist') request.setDataset(new Dataset(w.elements));
  request.on('response', (response) => {
    const r = results[i];
    if (response.getStatus() === Status.Pending && response.hasDataset()) {
      r.datasets.push(response.getDataset().getElements());
      return;
    }
    r.status = response.getStatus();
    r.errorComment = response.getErrorComment?.() ?? '';
  });
  client.addRequest(request);
});
client.on('networkError', (e) => {
  console.error(`network error: ${e.message ?? e}`);
  process.exitCode = 2;
});
client.on('closed', () => console.log(JSON.stringify(results)));
client.send(host, Number(port), calling, called);
