// PDF.js, loaded only when a document is opened (its own chunk and worker).
import { GlobalWorkerOptions, getDocument, type PDFDocumentProxy } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';

GlobalWorkerOptions.workerSrc = workerUrl;

export async function openPdf(bytes: Uint8Array): Promise<PDFDocumentProxy> {
  // No eval (the page's Content-Security-Policy forbids it); fonts a PDF does not embed are
  // drawn with the browser's own.
  return getDocument({ data: bytes, isEvalSupported: false }).promise;
}

// Draws page `n` `width` CSS pixels wide, sharp on high-density screens.
export async function drawPage(pdf: PDFDocumentProxy, n: number, canvas: HTMLCanvasElement, width: number): Promise<void> {
  const page = await pdf.getPage(n);
  const unscaled = page.getViewport({ scale: 1 });
  const ratio = window.devicePixelRatio || 1;
  const viewport = page.getViewport({ scale: (width / unscaled.width) * ratio });
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
  await page.render({ canvasContext: canvas.getContext('2d')!, viewport }).promise;
}
