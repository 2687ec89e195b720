// Multiplanar reconstruction: a CT or MR series rebuilt as a volume (in a SharedArrayBuffer,
// which the server's cross-origin isolation headers allow) and shown in the three orthogonal
// planes, with crosshairs linking them.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  Enums, type RenderingEngine, type Types, cache, setVolumesForViewports, volumeLoader,
} from '@cornerstonejs/core';
import { wadors } from '@cornerstonejs/dicom-image-loader';
import { type MprTool, mprToolGroup, renderVolumesWithWebGl, screenAxes, setMprTool } from './cornerstone';
import { orientationMarkers } from './orientation';
import { applyDisplayCommand } from './displayCommands';
import { presetFromRange } from './presets';
import type { StackImage } from './series';
import type { ViewportCommand } from './StackViewport';
import { useMessage } from '../i18n/message';

// `plane` names each (the element's data-plane, and its words: viewer.mprView).
const PLANES = [
  { id: 'mpr-axial', plane: 'axial', orientation: Enums.OrientationAxis.AXIAL },
  { id: 'mpr-sagittal', plane: 'sagittal', orientation: Enums.OrientationAxis.SAGITTAL },
  { id: 'mpr-coronal', plane: 'coronal', orientation: Enums.OrientationAxis.CORONAL },
] as const;

type Markers = ReturnType<typeof orientationMarkers>;
type Window = { center: number; width: number };

export function MprView({ engine, images, seriesUid, tool, command }: {
  engine: RenderingEngine;
  images: StackImage[];
  seriesUid: string;
  tool: MprTool; // what the left button does
  command: ViewportCommand | null; // from the toolbar: presets, invert, fit, reset
}) {
  const { t } = useTranslation();
  const elements = useRef<(HTMLDivElement | null)[]>([]);
  const [markers, setMarkers] = useState<Record<string, Markers>>({});
  const [windows, setWindows] = useState<Record<string, Window>>({});
  const [error, setError] = useMessage();

  useEffect(() => {
    let gone = false;
    const volumeId = `cornerstoneStreamingImageVolume:mpr-${seriesUid}`;
    const imageIds = images.map((im) => im.imageId);
    for (const im of images) wadors.metaDataManager.add(im.imageId, im.metadata as never);
    const group = mprToolGroup();
    const listeners: [HTMLElement, string, EventListener][] = [];
    const backToStacks = renderVolumesWithWebGl();
    PLANES.forEach((plane, i) => {
      const element = elements.current[i]!;
      engine.enableElement({
        viewportId: plane.id,
        type: Enums.ViewportType.ORTHOGRAPHIC,
        element,
        defaultOptions: { orientation: plane.orientation, background: [0, 0, 0] as Types.Point3 },
      });
      group.addViewport(plane.id, engine.id);
      // Where this plane is (for the orientation letters, and for tests: the focal point).
      const onCamera = () => {
        const vp = engine.getViewport(plane.id);
        const camera = vp?.getCamera();
        if (!vp || !camera?.focalPoint) return;
        element.dataset.focal = camera.focalPoint.map((v) => v.toFixed(2)).join(',');
        const { up, right } = screenAxes(vp);
        setMarkers((m) => ({ ...m, [plane.id]: orientationMarkers(up, right) }));
      };
      element.addEventListener(Enums.Events.CAMERA_MODIFIED, onCamera);
      listeners.push([element, Enums.Events.CAMERA_MODIFIED, onCamera]);
      // The window each plane shows, in its corner (the three share the volume's window
      // when set from the toolbar; a drag sets one plane's).
      const onVoi = (e: Event) => {
        const range = (e as CustomEvent).detail?.range;
        if (range) setWindows((w) => ({ ...w, [plane.id]: presetFromRange(range.lower, range.upper) }));
      };
      element.addEventListener(Enums.Events.VOI_MODIFIED, onVoi);
      listeners.push([element, Enums.Events.VOI_MODIFIED, onVoi]);
    });
    const resized = new ResizeObserver(() => engine.resize(true, false));
    resized.observe(elements.current[0]!);
    (async () => {
      try {
        const volume = await volumeLoader.createAndCacheVolume(volumeId, { imageIds });
        if (gone) return;
        volume.load(() => undefined);
        await setVolumesForViewports(engine, [{ volumeId }], PLANES.map((p) => p.id));
        if (gone) return;
        engine.renderViewports(PLANES.map((p) => p.id));
      } catch (e) {
        if (!gone) setError('viewer.mprView.failed', { error: (e as Error).message });
      }
    })();
    return () => {
      gone = true;
      resized.disconnect();
      for (const [el, type, fn] of listeners) el.removeEventListener(type, fn);
      group.removeViewports(engine.id);
      for (const plane of PLANES) engine.disableElement(plane.id);
      backToStacks();
      cache.removeVolumeLoadObject(volumeId);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [engine, images, seriesUid]);

  useEffect(() => setMprTool(tool), [tool]);

  useEffect(() => {
    if (!command) return;
    const viewports = PLANES.map((p) => engine.getViewport(p.id) as Types.IVolumeViewport | undefined)
      .filter((vp): vp is Types.IVolumeViewport => !!vp);
    for (const vp of viewports) {
      // Rotation, flips and cine are for stacks.
      if (applyDisplayCommand(vp, command, images[0]?.metadata)) vp.render();
    }
    // Only a new command acts.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [command]);

  return (
    <main className="grid mpr" style={{ gridTemplateRows: '1fr', gridTemplateColumns: 'repeat(3, 1fr)' }}>
      {error && <div className="page-message error" role="alert">{error}</div>}
      {PLANES.map((plane, i) => (
        <div key={plane.id} className="viewport">
          <div ref={(el) => { elements.current[i] = el; }} className="element" data-plane={plane.plane}
            onContextMenu={(e) => e.preventDefault()} />
          <div className="overlay tl">{t(`viewer.mprView.${plane.plane}`)}</div>
          {windows[plane.id] && (
            <div className="overlay bl" data-testid="mpr-window">
              {t('viewer.viewport.window', { width: Math.round(windows[plane.id].width), center: Math.round(windows[plane.id].center) })}
            </div>
          )}
          {markers[plane.id] && (['top', 'bottom', 'left', 'right'] as const).map((edge) => (
            <div key={edge} className={`marker ${edge}`}>{markers[plane.id][edge]}</div>
          ))}
        </div>
      ))}
    </main>
  );
}
