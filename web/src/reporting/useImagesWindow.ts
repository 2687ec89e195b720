// Both ends of the images window (imagesWindow.ts): the report's, which opens it, keeps it on the
// exam being reported and mirrors what it shows; and the images window's, which says what it
// shows and follows the report to the next exam.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { NO_SELECTION, type ViewerSelection } from '../viewer/ViewerSelection';
import {
  ASK_EVERY_MS, CHANNEL, type FromImages, GONE_AFTER_MS, ImagesMirror, type ImagesWindowStatus, type ShownExam, type ToImages, WINDOW_NAME,
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
  selection: ViewerSelection; // what the images window shows of this exam, for the report's editor
  status: ImagesWindowStatus;
  shown: ShownExam | null; // the exam it shows
  open(): boolean; // false: the browser did not open it (pop-ups blocked)
  show(): void; // this exam there
  close(): void;
}

// The report's end, for the report of `orderId` (its images: `study`) while `enabled` (the images
// are in their own window): the images window is told to show that exam, now and whenever the
// report moves on, and to show nothing once the report is left.
export function useImagesWindow(orderId: number, study: string, enabled: boolean): ImagesWindow {
  const mirror = useMemo(() => new ImagesMirror(), []);
  const channel = useRef<BroadcastChannel | null>(null);
  const report = useRef({ orderId, study });
  const [view, setView] = useState<{ status: ImagesWindowStatus; shown: ShownExam | null }>({ status: 'asking', shown: null });
  const look = useCallback(() => {
    const now = Date.now();
    const status = mirror.status(report.current.orderId, report.current.study, now);
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
    const where = () => c.postMessage({ kind: 'where', orderId: report.current.orderId } satisfies ToImages);
    where();
    const asking = setInterval(() => {
      where();
      look();
    }, ASK_EVERY_MS);
    // The report left (for the worklist, signed out, the window closed or reloaded): no patient's
    // images stay on screen. (A report that dies without a word goes silent: that clears them too.)
    const leave = () => c.postMessage({ kind: 'idle' } satisfies ToImages);
    window.addEventListener('pagehide', leave);
    return () => {
      clearInterval(asking);
      window.removeEventListener('pagehide', leave);
      leave();
      c.close();
      channel.current = null;
    };
  }, [enabled, mirror, look]);
  useEffect(() => {
    report.current = { orderId, study };
    mirror.follow(orderId, study);
    if (!enabled) return;
    mirror.ask(orderId, Date.now());
    channel.current?.postMessage({ kind: 'show', orderId } satisfies ToImages);
    look();
  }, [enabled, orderId, study, mirror, look]);
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

function newWindowId(): string {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

export interface ImagesWindowEnd {
  onSelection: (selection: ViewerSelection | null) => void; // the viewer's, while it is open
  reportOrder: number | null; // the exam the report is of, as it last said; null: none heard
  idle: boolean; // the report was left: show nothing
}

// The images window's end, for the page of `orderId`, its exam once loaded (`exam`): what it
// shows said when asked and within a quarter of a second of any change, from the moment the page
// opens (loading or not); `onShow` is asked to show another exam.
export function useImagesWindowEnd(orderId: number, exam: ShownExam | null, onShow: (orderId: number) => void): ImagesWindowEnd {
  const id = useMemo(newWindowId, []);
  const [reportOrder, setReportOrder] = useState<number | null>(null);
  const [idle, setIdle] = useState(false);
  const now = useRef({ orderId, exam, onShow, idle, selection: NO_SELECTION as ViewerSelection });
  const say = useRef<(always: boolean) => void>(() => undefined);
  useEffect(() => {
    now.current = { ...now.current, orderId, exam, onShow, idle };
    say.current(true);
  }, [orderId, exam, onShow, idle]);
  useEffect(() => {
    const c = new BroadcastChannel(CHANNEL);
    let said = '';
    say.current = (always: boolean) => {
      // Idle, it shows nothing: as if it were loading.
      const { orderId: order, selection } = now.current;
      const shown = now.current.idle ? null : now.current.exam;
      const state: FromImages = { kind: 'state', window: id, orderId: order, exam: shown,
        measurements: shown ? selection.measurements() : [], currentImage: shown ? selection.currentImage() : null };
      const text = JSON.stringify(state);
      if (!always && text === said) return;
      said = text;
      c.postMessage(state);
    };
    let heardReport = 0; // when the report last asked where this window is; 0: never
    c.onmessage = (e: MessageEvent) => {
      const message = toImages(e.data);
      if (message && message.kind !== 'close') heardReport = Date.now();
      if (message?.kind === 'where') {
        setReportOrder(message.orderId);
        say.current(true);
      } else if (message?.kind === 'show') {
        setIdle(false);
        setReportOrder(message.orderId);
        if (message.orderId !== now.current.orderId) now.current.onShow(message.orderId);
      } else if (message?.kind === 'idle') {
        setIdle(true);
        setReportOrder(null);
      } else if (message?.kind === 'close') {
        window.close();
      }
    };
    say.current(true);
    const watching = setInterval(() => {
      say.current(false);
      // A report gone silent (its window crashed or was killed): shown nothing, as if it had left.
      if (heardReport && Date.now() - heardReport > GONE_AFTER_MS) {
        heardReport = 0;
        setIdle(true);
        setReportOrder(null);
      }
    }, SAY_EVERY_MS);
    const bye = () => c.postMessage({ kind: 'closed', window: id } satisfies FromImages);
    window.addEventListener('pagehide', bye);
    return () => {
      clearInterval(watching);
      window.removeEventListener('pagehide', bye);
      bye();
      say.current = () => undefined;
      c.close();
    };
  }, [id]);
  const onSelection = useCallback((selection: ViewerSelection | null) => {
    now.current = { ...now.current, selection: selection ?? NO_SELECTION };
  }, []);
  return { onSelection, reportOrder, idle };
}
