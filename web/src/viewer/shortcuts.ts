// Keys radiologists bring from other workstations (Syngo, InteleViewer, OHIF): a digit picks
// the window preset of that place in the Window… menu (the image's stored windows first, then
// the modality's), I inverts, F fits, R resets, C starts and stops cine. They act on the
// active viewport, as the toolbar does; in MPR, on its three planes (no cine there).
import type { ViewportCommand } from './StackViewport';

export interface Shortcut {
  kind: ViewportCommand['kind'];
  value?: number;
}

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
  editing: boolean; // typed into a field, a menu or a button that takes keys
}

const LETTERS: Record<string, ViewportCommand['kind']> = { i: 'invert', f: 'fit', r: 'reset', c: 'cine' };
const NOT_IN_MPR = new Set<ViewportCommand['kind']>(['cine', 'rotate', 'flipH', 'flipV']);

export function shortcutFor(press: KeyPress, mpr: boolean): Shortcut | null {
  // The browser's and the system's own shortcuts (Ctrl+R reloads) stay theirs.
  if (press.editing || press.ctrlKey || press.altKey || press.metaKey) return null;
  if (/^[1-9]$/.test(press.key)) return { kind: 'preset', value: Number(press.key) - 1 };
  const kind = LETTERS[press.key.toLowerCase()];
  if (!kind || (mpr && NOT_IN_MPR.has(kind))) return null;
  return { kind };
}

// Whether a key pressed on this element is the element's own (typing, choosing in a menu).
export function isEditing(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).closest !== 'function') return false;
  return (target as Element).closest('input, textarea, select, [contenteditable="true"]') !== null;
}
