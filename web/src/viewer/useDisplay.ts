// The display commands the toolbar and the keys send to the active viewport (presets,
// invert, rotation, flips, fit, reset, cine; StackViewport.tsx and MprView.tsx carry them
// out), the cine rate, and the text overlay's mode.
import { useCallback, useEffect, useRef, useState } from 'react';
import { type OverlayMode, saveOverlayMode, savedOverlayMode } from './overlays';
import { isEditing, shortcutFor } from './shortcuts';
import type { ViewportCommand } from './StackViewport';

export type Send = (kind: ViewportCommand['kind'], value?: number) => void;

export interface DisplayCommands {
  command: ViewportCommand | null; // the latest; each is new (seq), for one viewport
  send: Send;
  cineFps: number | null; // the reader's cine rate; null: each object's own
  setCineFps: (fps: number | null) => void;
}

// `active`: the viewport they go to; `mpr`: whether MPR is shown (the keys for its planes).
export function useDisplayCommands(active: number, mpr: boolean): DisplayCommands {
  const [command, setCommand] = useState<ViewportCommand | null>(null);
  const [cineFps, setCineFps] = useState<number | null>(null);
  const seq = useRef(0);
  const send = useCallback((kind: ViewportCommand['kind'], value?: number) =>
    setCommand({ kind, value, seq: ++seq.current, viewport: active }), [active]);
  useShortcuts(send, mpr);
  return { command, send, cineFps, setCineFps };
}

// Keys anywhere on the page but in a field or a menu (shortcuts.ts); in MPR, those for its planes.
function useShortcuts(send: Send, mpr: boolean): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const shortcut = shortcutFor({ key: e.key, ctrlKey: e.ctrlKey, altKey: e.altKey, metaKey: e.metaKey,
        editing: isEditing(e.target) }, mpr);
      if (!shortcut) return;
      e.preventDefault();
      send(shortcut.kind, shortcut.value);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [send, mpr]);
}

// Full, de-identified or none; the reader's choice is kept for the next study.
export function useOverlayMode(): [OverlayMode, (mode: OverlayMode) => void] {
  const [overlay, setOverlay] = useState<OverlayMode>(savedOverlayMode);
  const choose = useCallback((mode: OverlayMode) => {
    setOverlay(mode);
    saveOverlayMode(mode);
  }, []);
  return [overlay, choose];
}
