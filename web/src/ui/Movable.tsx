// A part of a page that moves from one place on it to another without being mounted again, so
// that its state goes with it: text typed and not yet saved, a dialog open, a field focused.
// Rendered once, through a portal, into an element of its own (useMovable); the place that
// shows it now holds that element (MovableSlot), and gives it to the next place as it goes.
// The element and the slot draw no box of their own (display: contents), so the part lays out
// as if it were the place's own child. Context reaches it from where the portal is rendered.
import { useLayoutEffect, useMemo, useRef } from 'react';

export function useMovable(): HTMLElement {
  return useMemo(() => {
    const host = document.createElement('div');
    host.className = 'movable';
    return host;
  }, []);
}

export function MovableSlot({ host }: { host: HTMLElement }) {
  const place = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const here = place.current;
    if (!here) return;
    here.appendChild(host);
    return () => {
      if (host.parentNode === here) here.removeChild(host);
    };
  }, [host]);
  return <div ref={place} className="movable-slot" />;
}
