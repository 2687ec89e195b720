// The viewer's selection handed out of it: rendered within ViewerPage (its `children`), for what
// reads the selection from outside the viewer's tree (an editor moved between layouts, another
// window). Draws nothing; hands null out as the viewer goes.
import { useEffect } from 'react';
import { type ViewerSelection, useViewerSelection } from './ViewerSelection';

export function ViewerSelectionOut({ onSelection }: { onSelection: (s: ViewerSelection | null) => void }) {
  const selection = useViewerSelection();
  useEffect(() => {
    onSelection(selection);
    return () => onSelection(null);
  }, [selection, onSelection]);
  return null;
}
