// The part of dcmjs (no type declarations of its own) that the SR export uses.
declare module 'dcmjs' {
  type Naturalized = Record<string, unknown>;
  export const data: {
    DicomMetaDictionary: {
      naturalizeDataset(json: unknown): Naturalized;
      uid(): string;
    };
    datasetToDict(dataset: Naturalized): { write(): ArrayBuffer };
  };
}
