// The part of dcmjs (no type declarations of its own) that the SR export and the tests use.
declare module 'dcmjs' {
  type Naturalized = Record<string, unknown>;
  export const data: {
    DicomMetaDictionary: {
      naturalizeDataset(json: unknown): Naturalized;
      uid(): string;
    };
    datasetToDict(dataset: Naturalized): { write(): ArrayBuffer };
    DicomMessage: {
      // A Part 10 file as the DICOM JSON model (PS3.18 F.2), to the tag given.
      readFile(buffer: ArrayBuffer, options?: { untilTag?: string }): { dict: Record<string, { vr: string; Value?: unknown[] }> };
    };
  };
}
