import express, { type NextFunction, type Request, type Response } from 'express';
import { PayloadTooLarge } from '../http/errors.js';

/** Reads an uploaded file as the raw request body, up to `maxBytes`; a larger one is a 413 naming the limit. */
export function fileBody(maxBytes: number) {
  const raw = express.raw({ type: () => true, limit: maxBytes });
  return (req: Request, res: Response, next: NextFunction) => {
    raw(req, res, (error?: unknown) => {
      if ((error as { type?: string } | undefined)?.type === 'entity.too.large') {
        next(new PayloadTooLarge('file-too-large', `The file is larger than the ${maxBytes} bytes accepted.`, [], { maxBytes }));
      } else {
        next(error);
      }
    });
  };
}
