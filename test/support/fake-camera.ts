/**
 * A video file for Chromium's fake camera (`--use-file-for-fake-video-capture`): a YUV4MPEG2 (4:2:0) stream whose
 * frames show a QR code, written by hand so no external tool is needed. Chromium opens the file when a page asks
 * for the camera, so a test may launch the browser with the path and write the code into it later.
 */
import fs from 'node:fs';
import QRCode from 'qrcode';

export const FAKE_CAMERA_SIZE = { width: 640, height: 480 } as const;

/** Chromium's switches for a fake camera that plays `file`, granted without a prompt. */
export const fakeCameraArgs = (file: string) => [
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${file}`,
];

/**
 * Writes `frames` identical frames: `text` as a QR code (black modules on white, a quiet zone of 4 modules), or a
 * plain grey picture when `text` is undefined (a camera that sees no code).
 */
export function writeQrVideo(file: string, text: string | undefined, frames = 2): void {
  const { width, height } = FAKE_CAMERA_SIZE;
  const luma = Buffer.alloc(width * height, text ? 255 : 128);
  if (text) {
    const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
    const scale = Math.floor((height - 40) / (modules.size + 8));
    const left = Math.floor((width - modules.size * scale) / 2);
    const top = Math.floor((height - modules.size * scale) / 2);
    for (let row = 0; row < modules.size; row++) {
      for (let col = 0; col < modules.size; col++) {
        if (!modules.get(row, col)) continue;
        for (let y = 0; y < scale; y++) luma.fill(0, (top + row * scale + y) * width + left + col * scale, (top + row * scale + y) * width + left + (col + 1) * scale);
      }
    }
  }
  // No colour: both chroma planes (a quarter of the picture each in 4:2:0) sit at their neutral 128.
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  fs.writeFileSync(file, Buffer.concat([header, ...Array.from({ length: frames }, () => frame)]));
}
