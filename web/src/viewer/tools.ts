// Which mouse button does what in the stack viewports when the reader chooses a tool: the
// left button the chosen tool; the others keep pan (middle) and zoom (right); the rest of the
// toolbar's tools stay passive (drawn and editable, not started by a click). Tested in
// tools.test.ts; useTools.ts applies it to Cornerstone's tool group.

export type Binding = 'left' | 'middle' | 'right' | 'passive';

// In the order they are to be applied: the chosen tool last, so that its left button wins.
export function toolBindings(tools: readonly string[], chosen: string, pan: string, zoom: string): [string, Binding][] {
  const others = tools.filter((t) => t !== chosen)
    .map((t): [string, Binding] => [t, t === pan ? 'middle' : t === zoom ? 'right' : 'passive']);
  return [...others, [chosen, 'left']];
}
