// Runs QIDO-RS searches through dicomweb-client (the client OHIF uses) against a running
// Vireo and prints what it got as JSON, for tests/integration/test_dicomweb.py to check.
// Environment: VIREO_DICOMWEB (the /dicom-web root), VIREO_TOKEN (a bearer token), and
// NODE_EXTRA_CA_CERTS (the server's certificate).
import { createHash } from "node:crypto";
import XMLHttpRequest from "xhr2";
import dicomweb from "dicomweb-client";

globalThis.XMLHttpRequest = XMLHttpRequest;
const client = new dicomweb.api.DICOMwebClient({
  url: process.env.VIREO_DICOMWEB,
  headers: { Authorization: `Bearer ${process.env.VIREO_TOKEN}` },
});

const value = (ds, tag) => (ds[tag] && ds[tag].Value ? ds[tag].Value[0] : undefined);
const out = {};
const studies = await client.searchForStudies();
out.studies = studies.map((s) => ({
  uid: value(s, "0020000D"), patientId: value(s, "00100020"), name: value(s, "00100010"),
  modalities: s["00080061"] && s["00080061"].Value, series: value(s, "00201206"), url: value(s, "00081190"),
}));
out.byName = (await client.searchForStudies({ queryParams: { PatientName: "doe*", fuzzymatching: "true" } })).length;
const first = out.studies[0].uid;
const series = await client.searchForSeries({ studyInstanceUID: first });
out.series = series.map((s) => ({ uid: value(s, "0020000E"), modality: value(s, "00080060"),
                                  instances: value(s, "00201209") }));
const instances = await client.searchForInstances({ studyInstanceUID: first, seriesInstanceUID: out.series[0].uid });
out.instances = instances.map((i) => value(i, "00080018"));
out.allInstances = (await client.searchForInstances()).length;
out.paged = (await client.searchForStudies({ queryParams: { limit: 1, offset: 1 } })).map((s) => value(s, "0020000D"));
// Every matching kind: single value, UID list, wildcard, date range, a key given by tag,
// includefield.
const uids = (list) => list.map((s) => value(s, "0020000D")).sort();
const two = out.studies.slice(0, 2).map((s) => s.uid);
out.matching = {
  single: uids(await client.searchForStudies({ queryParams: { PatientID: out.studies[0].patientId } })),
  uidList: uids(await client.searchForStudies({ queryParams: { StudyInstanceUID: two.join(",") } })),
  wildcard: uids(await client.searchForStudies({ queryParams: { PatientID: `${out.studies[0].patientId.slice(0, 3)}*` } })),
  byTag: uids(await client.searchForStudies({ queryParams: { "0020000D": two[0] } })),
  modality: (await client.searchForSeries({ queryParams: { Modality: out.series[0].modality } })).length,
  instanceByClass: (await client.searchForInstances({ queryParams: {
    SOPClassUID: value(instances[0], "00080016") } })).length,
};
const dated = studies.map((s) => value(s, "00080020")).filter(Boolean).sort();
out.matching.dateRange = { from: dated[0], to: dated[dated.length - 1],
  count: (await client.searchForStudies({ queryParams: { StudyDate: `${dated[0]}-${dated[0]}` } })).length };
out.matching.includefield = Object.keys((await client.searchForInstances({
  studyInstanceUID: first, queryParams: { includefield: "all", limit: 1 } }))[0]).length;
try {
  await client.searchForStudies({ queryParams: { NotAnAttribute: "x" } });
  out.badRequest = "accepted";
} catch (e) {
  out.badRequest = e.status;
}
// WADO-RS: the client's default request for a series, and a single instance.
const parts = await client.retrieveSeries({ studyInstanceUID: first, seriesInstanceUID: out.series[0].uid });
out.retrieved = parts.map((buffer) => createHash("sha256").update(Buffer.from(buffer)).digest("hex"));
const one = await client.retrieveInstance({ studyInstanceUID: first, seriesInstanceUID: out.series[0].uid,
                                            sopInstanceUID: out.instances[0] });
out.retrievedOne = createHash("sha256").update(Buffer.from(one)).digest("hex");
console.log(JSON.stringify(out));
