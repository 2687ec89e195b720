// The RIS's API types, generated from docs/openapi.yaml (npm run gen:api): never typed by hand.
import type { components } from '../types/api.gen';

export type Patient = components['schemas']['Patient'];
export type PatientFields = components['schemas']['PatientFields'];
export type FieldError = components['schemas']['FieldError'];
export type DuplicateProblem = components['schemas']['DuplicateProblem'];
export type Modality = components['schemas']['Modality'];
export type Procedure = components['schemas']['Procedure'];
export type ProcedureFields = components['schemas']['ProcedureFields'];
export type Room = components['schemas']['Room'];
export type RoomFields = components['schemas']['RoomFields'];
export type OpeningInterval = components['schemas']['OpeningInterval'];
export type Closure = components['schemas']['Closure'];
export type ClosureFields = components['schemas']['ClosureFields'];
export type Order = components['schemas']['Order'];
export type OrderFields = components['schemas']['OrderFields'];
export type Priority = components['schemas']['Priority'];
export type Appointment = components['schemas']['Appointment'];
export type Calendar = components['schemas']['Calendar'];
export type Slots = components['schemas']['Slots'];
export type StaffMember = components['schemas']['StaffMember'];
export type ConflictProblem = components['schemas']['ConflictProblem'];
export type RisSettings = components['schemas']['RisSettings'];
export type AppointmentRequest = components['schemas']['AppointmentRequest'];
export type RequestStatus = components['schemas']['RequestStatus'];
export type ReadingAssignment = components['schemas']['ReadingAssignment'];
export type OrderStatus = components['schemas']['OrderStatus'];
export type StaffFields = components['schemas']['StaffFields'];
