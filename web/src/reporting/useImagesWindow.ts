// Both ends of the images window (imagesWindow.ts): the report's, which opens it, keeps it on the
// exam being reported and mirrors what it shows; and the images window's, which says what it
// shows and follows the report to the next exam.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ViewerSelection } from '../viewer/ViewerSelection';
import {
  ASK_EVERY_MS, CHANNEL, type FromImages, ImagesMirror, type ImagesWindowStatus, type ShownExam, type ToImages, WINDOW_NAME,
  fromImages, imagesPath, toImages,
} from './imagesWindow';

const PLACE_KEY = 'vireo.reading.images';
export type ImagesPlace = 'beside' | 'window';

// Where the reader keeps the images (beside the report, or in their own window), for the next
// exam and the next day: a radiologist with two screens works with two every time.
export function useImagesPlace(): [ImagesPlace, (place: ImagesPlace) => void] {
  const [place, setPlace] = useState<ImagesPlace>(() => {
    try {
      return localStorage.getItem(PLACE_KEY) === 'window' ? 'window' : 'beside';
    } catch {
      return 'beside';
    }
  });
  const keep = useCallback((next: ImagesPlace) => {
    setPlace(next);
    try {
      localStorage.setItem(PLACE_KEY, next);
    } catch {
      // not kept: the next exam opens with the images beside the report
    }
  }, []);
  return [place, keep];
}

// A window as large as this one, right of it: on the second screen where the desktop extends
// that way (a browser keeps it on this screen otherwise, as it keeps every window it opens).
function windowFeatures(): string {
  const { screenX, screenY, outerWidth, outerHeight } = window;
  return `popup,left=${screenX + outerWidth},top=${screenY},width=${outerWidth},height=${outerHeight}`;
}

export interface ImagesWindow {
  selection: ViewerSelection; // what the images window shows, for the report's editor
  status: ImagesWindowStatus;
  shown: ShownExam | null; // the exam it shows
  open(): boolean; // false: the browser did not open it (pop-ups blocked)
  show(): void; // this exam there
  close(): void;
}

// The report's end, for the report of `orderId` while `enabled` (the images are in their own
// window): the images window is told to show that exam, now and whenever the report moves on.
export function useImagesWindow(orderId: number, enabled: boolean): ImagesWindow {
  const mirror = useMemo(() => new ImagesMirror(), []);
  const channel = useRef<BroadcastChannel | null>(null);
  const order = useRef(orderId);
  const [view, setView] = useState<{ status: ImagesWindowStatus; shown: ShownExam | null }>({ status: 'asking', shown: null });
  const look = useCallback(() => {
    const now = Date.now();
    const status = mirror.status(order.current, now);
    const shown = mirror.shown(now);
    // A re-render of the report only when what it says changes, not at each answer.
    setView((v) => (v.status === status && JSON.stringify(v.shown) === JSON.stringify(shown) ? v : { status, shown }));
  }, [mirror]);
  const post = (message: ToImages) => channel.current?.postMessage(message);
  useEffect(() => {
    if (!enabled) return;
    const c = new BroadcastChannel(CHANNEL);
    channel.current = c;
    c.onmessage = (e: MessageEvent) => {
      const message: FromImages | null = fromImages(e.data);
      if (!message) return;
      mirror.hear(message, Date.now());
      look();
    };
    c.postMessage({ kind: 'where' } satisfies ToImages);
    const asking = setInterval(() => {
      c.postMessage({ kind: 'where' } satisfies ToImages);
      look();
    }, ASK_EVERY_MS);
    return () => {
      clearInterval(asking);
      c.close();
      channel.current = null;
    };
  }, [enabled, mirror, look]);
  useEffect(() => {
    order.current = orderId;
    if (!enabled) return;
    mirror.ask(orderId, Date.now());
    channel.current?.postMessage({ kind: 'show', orderId } satisfies ToImages);
    look();
  }, [enabled, orderId, mirror, look]);
  return {
    selection: mirror,
    ...view,
    open: () => {
      if (window.open(imagesPath(orderId), WINDOW_NAME, windowFeatures()) === null) return false;
      mirror.ask(orderId, Date.now());
      look();
      return true;
    },
    show: () => {
      mirror.ask(orderId, Date.now());
      post({ kind: 'show', orderId });
      look();
    },
    close: () => post({ kind: 'close' }),
  };
}

const SAY_EVERY_MS = 250;

// The images window's end: what it shows (`exam`, null while it is not known) and `selection`,
// said when asked and within a quarter of a second of any change; `onShow` is asked to show
// another exam.
export function useImagesWindowSender(exam: ShownExam | null, selection: ViewerSelection, onShow: (orderId: number) => void) {
  const show = useRef(onShow);
  useEffect(() => {
    show.current = onShow;
  }, [onShow]);
  const key = exam && JSON.stringify(exam);
  useEffect(() => {
    if (!key) return;
    const shown = JSON.parse(key) as ShownExam;
    const c = new BroadcastChannel(CHANNEL);
    let said = '';
    const say = (always: boolean) => {
      const state: FromImages = { kind: 'state', exam: shown, measurements: selection.measurements(),
        currentImage: selection.currentImage() };
      const text = JSON.stringify(state);
      if (!always && text === said) return;
      said = text;
      c.postMessage(state);
    };
    c.onmessage = (e: MessageEvent) => {
      const message = toImages(e.data);
      if (message?.kind === 'where') say(true);
      else if (message?.kind === 'show' && message.orderId !== shown.orderId) show.current(message.orderId);
      else if (message?.kind === 'close') window.close();
    };
    say(true);
    const watching = setInterval(() => say(false), SAY_EVERY_MS);
    // Said as the window closes or reloads; not when it moves to the next exam, which it says
    // as soon as that exam is known.
    const bye = () => c.postMessage({ kind: 'closed', orderId: shown.orderId } satisfies FromImages);
    window.addEventListener('pagehide', bye);
    return () => {
      clearInterval(watching);
      window.removeEventListener('pagehide', bye);
      c.close();
    };
  }, [key, selection]);
}
