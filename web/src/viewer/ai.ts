// The AI overlay layer's data: findings that an AI model suggests on a study's images,
// as GET /api/studies/{study}/ai/findings answers them (the shape is documented in
// docs/VIEWER.md, "AI findings"). The viewer only draws them, marked as suggestions;
// nothing here decides anything. The archive keeps findings by the same rule
// (src/api/rest/ai_finding.cpp); tests/fixtures/ai_findings.json holds the cases both are
// tested against.
import i18n from '../i18n';

export type FindingShape = 'box' | 'contour' | 'point';

export interface AiFinding {
  id: string;
  label: string;
  confidence?: number; // 0..1
  model?: string; // "name version", for the tooltip
  sopInstanceUid: string;
  frame: number; // 1-based
  shape: FindingShape;
  points: [number, number][]; // image pixel coordinates: x along columns, y along rows, (0,0) the top-left corner
}

export interface ParsedFindings {
  findings: AiFinding[];
  rejected: number; // entries that were not findings the viewer can draw
}

const POINTS_FOR: Record<FindingShape, (n: number) => boolean> = {
  box: (n) => n === 2,
  contour: (n) => n >= 3 && n <= 10000,
  point: (n) => n === 1,
};

function isPoint(p: unknown): p is [number, number] {
  return Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v));
}

function parseOne(raw: unknown, index: number): AiFinding | null {
  if (!raw || typeof raw !== 'object') return null;
  const f = raw as Record<string, unknown>;
  const shape = f.shape as FindingShape;
  // Its own keys only: 'toString' is in every object.
  if (typeof f.shape !== 'string' || !Object.hasOwn(POINTS_FOR, shape)) return null;
  if (typeof f.label !== 'string' || !f.label.trim() || typeof f.sopInstanceUid !== 'string' || !f.sopInstanceUid) return null;
  if (!Array.isArray(f.points) || !f.points.every(isPoint) || !POINTS_FOR[shape](f.points.length)) return null;
  const confidence = typeof f.confidence === 'number' && f.confidence >= 0 && f.confidence <= 1 ? f.confidence : undefined;
  if (f.confidence !== undefined && confidence === undefined) return null;
  const frame = f.frame === undefined ? 1 : f.frame;
  if (typeof frame !== 'number' || !Number.isInteger(frame) || frame < 1) return null;
  const model = f.model && typeof f.model === 'object' ? f.model as Record<string, unknown> : null;
  return {
    id: typeof f.id === 'string' ? f.id : `finding-${index + 1}`,
    label: f.label.trim().slice(0, 80),
    confidence,
    model: model && typeof model.name === 'string' ? [model.name, model.version].filter((x) => typeof x === 'string').join(' ') : undefined,
    sopInstanceUid: f.sopInstanceUid,
    frame,
    shape,
    points: f.points as [number, number][],
  };
}

// Keeps what can be drawn, and counts the rest so that the viewer can say so.
export function parseFindings(body: unknown): ParsedFindings {
  const list = body && typeof body === 'object' ? (body as { findings?: unknown }).findings : undefined;
  if (!Array.isArray(list)) return { findings: [], rejected: body === undefined ? 0 : 1 };
  const findings: AiFinding[] = [];
  let rejected = 0;
  list.forEach((raw, i) => {
    const f = parseOne(raw, i);
    if (f) findings.push(f);
    else rejected++;
  });
  return { findings, rejected };
}

export function findingsOn(findings: AiFinding[], sopInstanceUid: string, frame: number): AiFinding[] {
  return findings.filter((f) => f.sopInstanceUid === sopInstanceUid && f.frame === frame);
}

export function findingLabel(f: AiFinding): string {
  const confidence = f.confidence === undefined ? '' : ` ${Math.round(f.confidence * 100)}%`;
  return i18n.t('viewer.ai.finding', { label: f.label, confidence });
}

// The outline to draw, in image coordinates: a box's four corners, a contour's points, or a
// small cross around a point.
export function outline(f: AiFinding): [number, number][] {
  if (f.shape === 'box') {
    const [[x0, y0], [x1, y1]] = f.points;
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
  }
  return f.points;
}
