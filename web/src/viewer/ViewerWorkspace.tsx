// The viewer's working area: the images (grid, MPR or document) and, when the page is given
// one, a pane on their right (a report editor) with a divider between them that the reader
// drags, or moves with the arrow keys (Home/End: to its limits) once focused. The divider's
// place is kept for the next study (react-resizable-panels; localStorage). Without a pane, the
// images have the whole area, as in a window of their own. The viewports follow the width they
// are given: each one's ResizeObserver resizes Cornerstone's canvases (StackViewport.tsx,
// MprView.tsx).
//
// The tree is the same with and without the pane, so that opening or closing it keeps the
// viewports (their image, window and measurements in progress) rather than opening them again.
import { type ReactNode, useMemo } from 'react';
import { Group, type LayoutStorage, Panel, Separator, useDefaultLayout } from 'react-resizable-panels';
import './ViewerWorkspace.css';

const IMAGES = 'viewer-images';
const ASIDE = 'viewer-aside';

// Sizes in % of the area beside the series panel (1740 px of a 1920 px screen).
const ASIDE_SIZE = { default: '40%', min: '20%', max: '70%' };
const IMAGES_MIN = '30%';
const HIDDEN = { overflow: 'hidden' } as const; // each pane's content scrolls itself, if at all

// A layout kept by an older version, or written by hand, must not stop the viewer from opening.
const storage: LayoutStorage = {
  getItem(key) {
    try {
      const value = localStorage.getItem(key);
      const layout: unknown = value === null ? null : JSON.parse(value);
      return layout !== null && typeof layout === 'object' ? value : null;
    } catch {
      return null;
    }
  },
  setItem(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch {
      // not kept: the next study opens with the default
    }
  },
};

export function ViewerWorkspace({ aside, asideLabel, children }: {
  aside?: ReactNode; // the right-hand pane's content; none: the images alone
  asideLabel?: string; // what the pane is ("Report"): names it and its divider for assistive technology
  children: ReactNode; // the images
}) {
  const withAside = aside !== undefined && aside !== null && aside !== false;
  const panelIds = useMemo(() => (withAside ? [IMAGES, ASIDE] : [IMAGES]), [withAside]);
  const { defaultLayout, onLayoutChanged } = useDefaultLayout({ id: 'vireo-viewer-workspace', panelIds, storage,
    onlySaveAfterUserInteractions: true });
  return (
    <Group className="viewer-workspace" orientation="horizontal" defaultLayout={defaultLayout} onLayoutChanged={onLayoutChanged}>
      <Panel id={IMAGES} className="viewer-images" style={HIDDEN} minSize={withAside ? IMAGES_MIN : undefined}>{children}</Panel>
      {withAside && (
        <>
          <Separator className="viewer-divider" aria-label={asideLabel} />
          <Panel id={ASIDE} className="viewer-aside" style={HIDDEN} defaultSize={ASIDE_SIZE.default} minSize={ASIDE_SIZE.min} maxSize={ASIDE_SIZE.max}>
            <section className="viewer-aside-content" aria-label={asideLabel}>{aside}</section>
          </Panel>
        </>
      )}
    </Group>
  );
}
