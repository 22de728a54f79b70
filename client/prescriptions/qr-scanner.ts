/**
 * Reads a QR code from the camera at the dispensing desk (issue 14): the browser's own BarcodeDetector where it has
 * one (Chrome on Android and macOS, Safari), otherwise jsQR on the video's frames drawn to a canvas. The camera is
 * released as soon as a code is read, the scan is cancelled, or it fails: a desk's camera light never stays on.
 */
import jsQRModule from 'jsqr';

// jsQR is CommonJS whose module.exports is the function and also carries it as `default`; TypeScript (NodeNext)
// types the default import as the module, so its `default` is the one both TypeScript and esbuild agree on.
const jsQR = jsQRModule.default;

/** The part of the Shape Detection API this uses (not in TypeScript's DOM types yet). */
interface BarcodeDetectorLike { detect(source: CanvasImageSource): Promise<Array<{ rawValue: string }>> }
interface BarcodeDetectorClass {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

/** How often a frame is looked at: often enough to feel instant, rarely enough for an old phone. */
const FRAME_INTERVAL_MS = 150;

/** A decoder of one video frame: the text of the QR code it shows, or undefined. */
type FrameReader = (video: HTMLVideoElement) => Promise<string | undefined>;

async function nativeReader(): Promise<FrameReader | undefined> {
  const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
  if (!Detector) return undefined;
  try {
    if (!(await Detector.getSupportedFormats()).includes('qr_code')) return undefined;
    const detector = new Detector({ formats: ['qr_code'] });
    return async (video) => (await detector.detect(video))[0]?.rawValue;
  } catch {
    return undefined;
  }
}

function canvasReader(): FrameReader {
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  return async (video) => {
    const { videoWidth: width, videoHeight: height } = video;
    if (!context || !width || !height) return undefined;
    canvas.width = width;
    canvas.height = height;
    context.drawImage(video, 0, 0, width, height);
    return jsQR(context.getImageData(0, 0, width, height).data, width, height, { inversionAttempts: 'attemptBoth' })?.data;
  };
}

/** Which decoder the desk uses on this browser. */
export async function frameReader(): Promise<{ name: 'barcode-detector' | 'jsqr'; read: FrameReader }> {
  const native = await nativeReader();
  return native ? { name: 'barcode-detector', read: native } : { name: 'jsqr', read: canvasReader() };
}

/**
 * Shows the back camera in `video` and resolves with the first QR code read, or undefined when `signal` aborts
 * (the pharmacist cancelled). Rejects when the camera cannot be opened (no camera, permission refused).
 */
export async function scanQrCode(video: HTMLVideoElement, signal: AbortSignal): Promise<string | undefined> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  const release = () => {
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  try {
    if (signal.aborted) return undefined;
    video.srcObject = stream;
    await video.play();
    const { read } = await frameReader();
    while (!signal.aborted) {
      const text = await read(video).catch(() => undefined);
      if (text) return text;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, FRAME_INTERVAL_MS);
        signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
      });
    }
    return undefined;
  } finally {
    release();
  }
}
