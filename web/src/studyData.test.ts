import { describe, expect, it } from 'vitest';
import { Tag, text } from './dicom';
import { priorsAmong } from './studyData';

const study = (uid: string, date: string, id: string, issuer?: string, time = '') => ({
  [Tag.StudyInstanceUID]: { vr: 'UI', Value: [uid] },
  [Tag.StudyDate]: { vr: 'DA', Value: [date] },
  ...(time ? { [Tag.StudyTime]: { vr: 'TM', Value: [time] } } : {}),
  [Tag.PatientID]: { vr: 'LO', Value: [id] },
  ...(issuer === undefined ? {} : { [Tag.IssuerOfPatientID]: { vr: 'LO', Value: [issuer] } }),
});

describe('priors', () => {
  const list = [
    study('1.1', '20200101', 'P1', 'NORTH'),
    study('1.2', '20240101', 'P1', 'NORTH'),
    study('1.3', '20230101', 'P1', 'SOUTH'), // another hospital's P1: another person
    study('1.4', '20220101', 'P1'), // no issuer: not known to be the same person
    study('1.5', '20250101', 'P10', 'NORTH'), // a query may answer near matches
    study('1.6', '20190601', 'P1', 'NORTH'),
    study('1.7', '20240101', 'P1', 'NORTH', '163000'), // the same day as 1.2, later
    study('1.8', '20210315', 'P1', 'NORTH', '080000'),
  ];

  it('are the same Patient ID within the same issuer, newest first, not the open study', () => {
    expect(priorsAmong(list, { id: 'P1', issuer: 'NORTH' }, '1.1').map((s) => text(s, Tag.StudyInstanceUID)))
      .toEqual(['1.7', '1.2', '1.8', '1.6']);
  });

  it('without an issuer are the studies without one', () => {
    expect(priorsAmong(list, { id: 'P1', issuer: '' }, '9.9').map((s) => text(s, Tag.StudyInstanceUID)))
      .toEqual(['1.4']);
  });
});
