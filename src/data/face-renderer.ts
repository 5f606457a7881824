// Procedural grayscale face photos for the embedded stand-in of the lab's BioID set. A person is a fixed
// set of identity traits (face outline, skin, hair, brows, eyes, nose, mouth, ears, glasses, beard); a
// photo varies pose, scale, rotation, expression, lighting, background and sensor noise.
import { Random } from '../random.js';

export const PHOTO_WIDTH = 384;
export const PHOTO_HEIGHT = 286;

export interface Person {
  faceW: number; faceH: number; chin: number; skin: number;
  hair: 'bald' | 'short' | 'long' | 'fringe' | 'side' | 'curly'; hairTone: number; hairline: number;
  browTone: number; browThick: number; browTilt: number;
  eyeGap: number; eyeY: number; eyeSize: number;
  noseLen: number; noseW: number;
  mouthW: number; mouthY: number; lipTone: number;
  ears: number;
  glasses: 'none' | 'round' | 'square' | 'dark';
  beard: 'none' | 'full' | 'goatee' | 'moustache';
  mole: [number, number] | null;
  /** clothes: people wear the same shirt through a session: tone, pattern and its period (face units) */
  shirt: number; shirtPattern: 'plain' | 'hstripes' | 'vstripes' | 'diagonal' | 'checks'; shirtPeriod: number;
}

export interface Shot {
  cx: number; cy: number; scale: number; angle: number;
  smile: number; eyeOpen: number; browRaise: number;
  gain: number; offset: number; lightX: number; lightY: number; shading: number;
  bg: number; bgGradX: number; bgGradY: number; clutter: { x: number; y: number; w: number; h: number; tone: number; round: boolean }[];
  noise: number;
  /** shirt tone offset (lighting on clothes) */
  shoulders: number;
}

const HAIRS: Person['hair'][] = ['bald', 'short', 'long', 'fringe', 'side', 'curly'];
const GLASSES: Person['glasses'][] = ['none', 'round', 'square', 'dark'];
const BEARDS: Person['beard'][] = ['none', 'full', 'goatee', 'moustache'];
const SHIRTS: Person['shirtPattern'][] = ['plain', 'hstripes', 'vstripes', 'diagonal', 'checks'];

/**
 * A person's identity traits. The discrete traits follow `index` so that any two of the 16 people of the
 * set differ in at least two of (glasses, beard, hair tone, hair style); the rest is drawn from rng.
 */
export function makePerson(rng: Random, index: number): Person {
  return {
    faceW: rng.uniform(0.82, 1.12), faceH: rng.uniform(1.15, 1.45), chin: rng.uniform(0.55, 1.0),
    skin: 0.4 + (0.45 * ((index * 7) % 16)) / 15 + rng.uniform(-0.02, 0.02),
    hair: HAIRS[index % HAIRS.length],
    hairTone: [rng.uniform(0.03, 0.15), rng.uniform(0.38, 0.5), rng.uniform(0.82, 0.95)][(2 * Math.floor(index / 4) + index) % 3],
    hairline: rng.uniform(-0.75, -0.45),
    browTone: rng.uniform(0.05, 0.35), browThick: rng.uniform(0.05, 0.12), browTilt: rng.uniform(-0.12, 0.12),
    eyeGap: rng.uniform(0.32, 0.48), eyeY: rng.uniform(-0.22, -0.08), eyeSize: rng.uniform(0.09, 0.14),
    noseLen: rng.uniform(0.25, 0.45), noseW: rng.uniform(0.1, 0.2),
    mouthW: rng.uniform(0.25, 0.45), mouthY: rng.uniform(0.45, 0.62), lipTone: rng.uniform(0.15, 0.4),
    ears: rng.uniform(0.12, 0.22),
    glasses: GLASSES[(index + Math.floor(index / 4)) % GLASSES.length],
    beard: BEARDS[Math.floor(index / 4) % BEARDS.length],
    mole: rng.next() < 0.3 ? [rng.uniform(-0.5, 0.5), rng.uniform(0, 0.5)] : null,
    shirt: 0.2 + (0.6 * ((index * 5) % 16)) / 15,
    shirtPattern: SHIRTS[(index * 3) % SHIRTS.length], shirtPeriod: index % 2 ? 0.35 : 0.6,
  };
}

export function makeShot(rng: Random): Shot {
  const clutter = Array.from({ length: rng.next() < 0.85 ? 0 : 1 + Math.floor(rng.uniform(0, 2)) }, () => ({
    x: rng.uniform(0, PHOTO_WIDTH), y: rng.uniform(0, PHOTO_HEIGHT), w: rng.uniform(15, 60), h: rng.uniform(15, 90),
    tone: rng.uniform(0.2, 0.9), round: rng.next() < 0.4,
  }));
  return {
    cx: PHOTO_WIDTH / 2 + rng.uniform(-18, 18), cy: PHOTO_HEIGHT / 2 + rng.uniform(-8, 8),
    scale: 86 * rng.uniform(0.95, 1.05), angle: rng.uniform(-0.05, 0.05),
    smile: rng.uniform(-0.4, 1), eyeOpen: rng.uniform(0.45, 1), browRaise: rng.uniform(-0.04, 0.06),
    gain: rng.uniform(0.8, 1.2), offset: rng.uniform(-0.05, 0.05),
    lightX: rng.uniform(-1, 1), lightY: rng.uniform(-1, 0.6), shading: rng.uniform(0.1, 0.4),
    bg: rng.uniform(0.05, 0.95), bgGradX: rng.uniform(-0.2, 0.2), bgGradY: rng.uniform(-0.15, 0.15), clutter,
    noise: rng.uniform(0.01, 0.035), shoulders: rng.uniform(-0.06, 0.06),
  };
}

const sq = (x: number) => x * x;

/** Brightness offset of the shirt's pattern at face coordinates (u, w). */
function shirtPattern(p: Person, u: number, w: number): number {
  const band = (t: number) => (Math.floor(t / p.shirtPeriod) & 1 ? 0.14 : -0.14);
  switch (p.shirtPattern) {
    case 'plain': return 0;
    case 'hstripes': return band(w);
    case 'vstripes': return band(u);
    case 'diagonal': return band((u + w) * 0.7071);
    case 'checks': return band(u) * band(w) / 0.14;
  }
}
/** Smooth 0..1 edge for anti-aliasing in face units (d < 0 inside). */
const inside = (d: number, soft: number) => (d <= -soft ? 1 : d >= soft ? 0 : 0.5 - d / (2 * soft));

/** Renders one photo as 8-bit grayscale, PHOTO_WIDTH x PHOTO_HEIGHT by default. */
export function renderFace(p: Person, s: Shot, rng: Random, width = PHOTO_WIDTH, height = PHOTO_HEIGHT): Uint8Array {
  // a smaller width x height renders the same photo at a lower resolution (the browser example uses it)
  const W = width, H = height, fx = PHOTO_WIDTH / width, fy = PHOTO_HEIGHT / height;
  const out = new Uint8Array(W * H);
  const cos = Math.cos(s.angle), sin = Math.sin(s.angle);
  const soft = (1.2 * Math.max(fx, fy)) / s.scale; // about one output pixel
  const lightNorm = Math.hypot(s.lightX, s.lightY, 1);
  for (let oy = 0; oy < H; oy++) {
    const py = (oy + 0.5) * fy - 0.5;
    for (let ox = 0; ox < W; ox++) {
      const px = (ox + 0.5) * fx - 0.5;
      // background: level, gradient, clutter
      let v = s.bg + s.bgGradX * (px / PHOTO_WIDTH - 0.5) + s.bgGradY * (py / PHOTO_HEIGHT - 0.5);
      for (const c of s.clutter) {
        const dx = (px - c.x) / c.w, dy = (py - c.y) / c.h;
        if (c.round ? dx * dx + dy * dy < 0.25 : Math.abs(dx) < 0.5 && Math.abs(dy) < 0.5) v = c.tone;
      }
      // face coordinates: unit = s.scale px, rotated
      const X = px - s.cx, Y = py - s.cy;
      const u = (cos * X + sin * Y) / s.scale, w = (-sin * X + cos * Y) / s.scale;
      // shoulders and neck
      if (w > p.faceH * 0.8) {
        const shoulderHalf = 0.55 + (w - p.faceH * 0.8) * 1.6;
        if (Math.abs(u) < Math.min(shoulderHalf, 3.2)) v = p.shirt + s.shoulders + shirtPattern(p, u, w);
        if (Math.abs(u) < 0.38 * p.faceW && w < p.faceH * 1.25) v = p.skin * 0.85;
      }
      // long / curly hair behind the head
      const head = sq(u / p.faceW) + sq(w / p.faceH);
      if (p.hair === 'long' && w < p.faceH * 1.1 && Math.abs(u) < p.faceW * 1.28 && (w > -0.2 || head < 1.35)) v = p.hairTone;
      if (p.hair === 'curly' && sq(u / (p.faceW * 1.35)) + sq((w + 0.25) / (p.faceH * 1.05)) < 1) v = p.hairTone + 0.08 * Math.sin(u * 40) * Math.sin(w * 40);
      // ears
      for (const side of [-1, 1]) {
        if (sq((u - side * p.faceW) / p.ears) + sq((w + 0.05) / (p.ears * 1.8)) < 1) v = p.skin * 0.9;
      }
      // face: an ellipse whose lower half narrows into the chin
      const fw = w > 0 ? p.faceW * (1 - (1 - p.chin) * sq(w / p.faceH)) : p.faceW;
      const faceD = Math.sqrt(sq(u / fw) + sq(w / p.faceH)) - 1;
      const fIn = inside(faceD * p.faceW, soft);
      if (fIn > 0) {
        // Lambert-like shading on an ellipsoid
        const nz = Math.sqrt(Math.max(0, 1 - Math.min(1, sq(u / fw) + sq(w / p.faceH))));
        const lambert = (s.lightX * u / fw + s.lightY * w / p.faceH + nz) / lightNorm;
        let f = p.skin * (1 - s.shading + s.shading * Math.max(0, lambert));
        // hair on top of the head
        const hl = p.hairline + 0.08 * Math.sin(u * 3);
        if (p.hair === 'short' && w < hl) f = p.hairTone;
        if (p.hair === 'long' && w < hl) f = p.hairTone;
        if (p.hair === 'curly' && w < hl + 0.1) f = p.hairTone + 0.08 * Math.sin(u * 40) * Math.sin(w * 40);
        if (p.hair === 'fringe' && w < hl + 0.35 && w < -0.35) f = p.hairTone;
        if (p.hair === 'side' && w < hl + (u > 0.2 ? 0.05 : 0.3 + 0.2 * u) && w < -0.3) f = p.hairTone;
        // brows
        const browY = p.eyeY - 0.2 - s.browRaise;
        for (const side of [-1, 1]) {
          const bu = u - side * p.eyeGap;
          const by = w - browY - side * p.browTilt * bu;
          if (Math.abs(bu) < p.eyeSize * 1.6 && Math.abs(by) < p.browThick / 2) f = p.browTone;
        }
        // eyes: white, iris, lid closing with expression
        for (const side of [-1, 1]) {
          const eu = (u - side * p.eyeGap) / (p.eyeSize * 1.5), ev = (w - p.eyeY) / (p.eyeSize * 0.8 * s.eyeOpen);
          const e = eu * eu + ev * ev;
          if (e < 1) f = 0.92;
          if (sq(u - side * p.eyeGap) + sq(w - p.eyeY) < sq(p.eyeSize * 0.6) && e < 1) f = 0.08;
        }
        // glasses: two frames and a bridge
        if (p.glasses !== 'none') {
          for (const side of [-1, 1]) {
            const gu = u - side * p.eyeGap, gv = w - p.eyeY;
            const r = p.glasses === 'round' ? Math.hypot(gu, gv * 1.2) / (p.eyeSize * 2.3)
              : Math.max(Math.abs(gu) / (p.eyeSize * 2.5), Math.abs(gv) / (p.eyeSize * 1.7));
            if (p.glasses === 'dark' ? r < 1 : Math.abs(r - 1) < 0.11) f = p.glasses === 'dark' ? 0.1 : 0.05;
          }
          if (Math.abs(u) < p.eyeGap - p.eyeSize * 2 && Math.abs(w - p.eyeY + 0.03) < 0.03) f = 0.05;
        }
        // nose: a shaded ridge and nostrils
        const noseTop = p.eyeY + 0.05, noseBottom = p.eyeY + 0.05 + p.noseLen;
        if (w > noseTop && w < noseBottom && Math.abs(u - 0.04 * s.lightX) < p.noseW * (w - noseTop) / p.noseLen * 0.6) f *= 0.82;
        for (const side of [-1, 1]) if (sq((u - side * p.noseW * 0.5) / 0.05) + sq((w - noseBottom) / 0.03) < 1) f = 0.15;
        // mouth: a curve bent by the smile
        const mu = u / p.mouthW;
        if (Math.abs(mu) < 1) {
          const curve = p.mouthY - 0.12 * s.smile * (1 - mu * mu);
          if (Math.abs(w - curve) < 0.035 + 0.03 * (1 - mu * mu)) f = p.lipTone;
        }
        // beard / moustache
        if (p.beard === 'full' && w > p.mouthY - 0.18 && faceD > -0.35 - (w - p.mouthY) * 0.5 && Math.abs(w - p.mouthY + 0.12 * s.smile) > 0.05) f = p.hairTone + 0.05;
        if (p.beard === 'goatee' && w > p.mouthY + 0.08 && Math.abs(u) < 0.22) f = p.hairTone + 0.05;
        if ((p.beard === 'moustache' || p.beard === 'full') && w > p.mouthY - 0.15 && w < p.mouthY - 0.06 && Math.abs(u) < p.mouthW * 1.05) f = p.hairTone;
        if (p.mole && sq(u - p.mole[0]) + sq(w - p.mole[1]) < 0.0025) f = 0.2;
        v = fIn * f + (1 - fIn) * v;
      }
      // camera: gain, offset, noise
      v = v * s.gain + s.offset + s.noise * rng.normal();
      out[oy * W + ox] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
    }
  }
  return out;
}
