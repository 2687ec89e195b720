// The RIS's API types, generated from docs/openapi.yaml (npm run gen:api): never typed by hand.
import type { components } from '../types/api.gen';

export type Patient = components['schemas']['Patient'];
export type PatientFields = components['schemas']['PatientFields'];
export type FieldError = components['schemas']['FieldError'];
export type DuplicateProblem = components['schemas']['DuplicateProblem'];
