// The reporting API's types, generated from docs/openapi.yaml (npm run gen:api): never typed by hand.
import type { components } from '../types/api.gen';

export type ReadingItem = components['schemas']['ReadingItem'];
export type ExamReport = components['schemas']['ExamReport'];
export type Report = components['schemas']['Report'];
export type SignCheck = components['schemas']['SignCheck'];
export type TokenCertificate = components['schemas']['TokenCertificate'];
export type PeerReview = components['schemas']['PeerReview'];
export const PEER_SCORES = ['1', '2a', '2b', '3a', '3b'] as const;
export type PeerScore = (typeof PEER_SCORES)[number];
export type ReportContent = components['schemas']['ReportContent'];
export type ReportSection = components['schemas']['ReportSection'];
export type ReportVersion = components['schemas']['ReportVersion'];
export type PriorReport = components['schemas']['PriorReport'];
export type SignatureCheck = components['schemas']['SignatureCheck'];
export type CodedFinding = components['schemas']['CodedFinding'];
export type Vocabulary = components['schemas']['Vocabulary'];
export type VocabularyField = components['schemas']['VocabularyField'];
export type VocabularyTerm = components['schemas']['VocabularyTerm'];
export type ReportTemplate = components['schemas']['ReportTemplate'];
export type ReportMacro = components['schemas']['ReportMacro'];
export type CriticalResult = components['schemas']['CriticalResult'];
export type CommunicationMethod = components['schemas']['CommunicationMethod'];
