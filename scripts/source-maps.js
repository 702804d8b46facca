// Source maps for the build (scripts/build.js): reads and writes the mappings' VLQ text and chains the build's steps
// (src → ES-module chunk → CommonJS chunk → a chunk inside a code file → minified) into one map from dist/ to src/.

import { SourceMap } from 'node:module';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((char, value) => [char, value]));

/** A map's `mappings` as lines of segments [column, source, line, column, name?], every field absolute. */
function decodeMappings(mappings) {
  const state = [0, 0, 0, 0];
  return mappings.split(';').map((line) => {
    state[0] = 0;
    if (line === '') return [];
    return line.split(',').map((segment) => {
      const fields = [];
      let value = 0;
      let shift = 0;
      for (const char of segment) {
        const digit = DIGIT.get(char);
        value += (digit & 31) << shift;
        if (digit & 32) {
          shift += 5;
          continue;
        }
        fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
        value = 0;
        shift = 0;
      }
      for (let i = 0; i < fields.length; i++) {
        if (i < 4) state[i] += fields[i];
        else state[4] = (state[4] ?? 0) + fields[i];
      }
      return fields.length >= 4 ? [state[0], state[1], state[2], state[3], ...(fields.length > 4 ? [state[4]] : [])] : [state[0]];
    });
  });
}

/** Lines of absolute segments [column, source, line, column, name?] as a map's `mappings` text. */
function encodeMappings(lines) {
  const vlq = (number) => {
    let value = number < 0 ? (-number << 1) | 1 : number << 1;
    let out = '';
    do {
      let digit = value & 31;
      value >>>= 5;
      if (value > 0) digit |= 32;
      out += BASE64[digit];
    } while (value > 0);
    return out;
  };
  const last = [0, 0, 0, 0, 0];
  return lines
    .map((segments) => {
      last[0] = 0;
      return segments
        .map((segment) => {
          const text = segment.map((field, i) => vlq(field - last[i])).join('');
          segment.forEach((field, i) => {
            last[i] = field;
          });
          return text;
        })
        .join(',');
    })
    .join(';');
}

/** The position `map` (a SourceMap) gives for a generated line and column, only when the entry is on that very line. */
function lookUp(map, line, column) {
  const entry = map.findEntry(line, column);
  return entry && entry.generatedLine === line && entry.originalSource !== undefined ? entry : undefined;
}

/**
 * One map from a minified code file to the sources: `minified` maps the shipped code to the unminified file; `placeOf(line)`
 * says which part of the unminified file a line is in, as { line within that part, maps: [map of the part's code, ...the
 * maps it came through, towards the sources] } or { line, source } for lines taken from a file as they are; names and
 * sourcesContent come along. Segments that map to no source (the code's glue) are left out.
 */
export function chainSourceMaps(minified, placeOf, readSource) {
  const sources = [];
  const sourcesContent = [];
  const indexOf = new Map();
  const sourceIndex = (name, content) => {
    if (!indexOf.has(name)) {
      indexOf.set(name, sources.length);
      sources.push(name);
      sourcesContent.push(content ?? readSource(name) ?? null);
    }
    return indexOf.get(name);
  };
  const names = [...minified.names];
  const lines = decodeMappings(minified.mappings).map((segments) =>
    segments.flatMap((segment) => {
      if (segment.length < 4) return [];
      const place = placeOf(segment[2]);
      if (!place) return [];
      if (place.source) return [[segment[0], sourceIndex(place.source), place.line, segment[3], ...segment.slice(4)]];
      let at = { originalLine: place.line, originalColumn: segment[3], originalSource: undefined };
      let content;
      for (const map of place.maps) {
        const entry = lookUp(map, at.originalLine, at.originalColumn);
        if (!entry) return [];
        const i = map.payload.sources.indexOf(entry.originalSource);
        content = map.payload.sourcesContent?.[i];
        at = entry;
      }
      return [[segment[0], sourceIndex(at.originalSource, content), at.originalLine, at.originalColumn, ...segment.slice(4)]];
    }),
  );
  return { version: 3, sources, sourcesContent, names, mappings: encodeMappings(lines) };
}

/** A SourceMap of a map's JSON text. */
export function sourceMapOf(json) {
  return new SourceMap(typeof json === 'string' ? JSON.parse(json) : json);
}
