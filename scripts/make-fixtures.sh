#!/usr/bin/env bash
# Makes the media files under fixtures/ with real encoders. Run by hand; CI never runs it: the files are committed.
#
# Needs (Debian): ffmpeg (libx264, libx265, aac, libmp3lame, libopus, libvorbis), imagemagick, webp (cwebp, img2webp),
# libreoffice-writer/-calc/-impress (soffice), python3-openpyxl (the xlsx writer behind pandas), gcc and
# libopencore-amrnb-dev (ffmpeg in Debian has no AMR encoder, so a small C program drives the opencore AMR-NB
# encoder).
#   apt-get install -y ffmpeg imagemagick webp libreoffice-writer libreoffice-calc libreoffice-impress \
#     python3-openpyxl gcc libopencore-amrnb-dev
# Encoder output varies a little between versions; the checks only look at headers, so any version does.
#
# Usage: scripts/make-fixtures.sh [section...]   (sections: images stickers audio amr video documents fix; default all)
# A section rewrites only its own files, so one can be remade with only its tools installed, e.g. `audio video`
# needs nothing but ffmpeg.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
valid="$root/fixtures/valid"
problem="$root/fixtures/problem"
fixin="$root/fixtures/fix"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$valid" "$problem" "$fixin"

# Quiet ffmpeg, and no metadata or creation dates in what it writes.
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
bitexact=(-map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact)
tone() { echo "sine=frequency=${2:-440}:sample_rate=${3:-48000}:duration=$1"; }
# LibreOffice with a throwaway profile, so it never touches ~/.config and runs even as root.
office() { soffice -env:UserInstallation="file://$work/lo-profile" --headless "$@" >/dev/null 2>&1; }

images() {
convert -size 320x240 -seed 1 plasma:fuchsia-navy -depth 8 -quality 80 -strip "$valid/photo.jpg"
convert -size 240x180 gradient:orange-teal -depth 8 -quality 85 -strip "$valid/photo.jpeg"
convert -size 200x150 gradient:white-royalblue -depth 8 -strip "PNG24:$valid/image.png"
convert -size 200x150 gradient:white-royalblue -depth 16 -strip "PNG48:$problem/image-16bit.png"
cp "$valid/image.png" "$problem/png-named.jpg"
convert -size 120x90 gradient:yellow-red -strip "GIF:$problem/gif-named.jpg"
}

stickers() {
# A 512x512 drawing with a transparent background, as stickers are made.
sticker_png() { # size colour output
  convert -size "$1" xc:none -fill "$2" -stroke black -strokewidth 8 \
    -draw "circle $(( ${1%x*} / 2 )),$(( ${1%x*} / 2 )) $(( ${1%x*} / 2 )),40" -depth 8 "PNG32:$3"
}
sticker_png 512x512 gold "$work/sticker.png"
cwebp -quiet -q 75 "$work/sticker.png" -o "$valid/sticker.webp"
# Lossless: a bare VP8L bitstream, no VP8X chunk.
cwebp -quiet -lossless -z 9 "$work/sticker.png" -o "$valid/sticker-lossless.webp"
sticker_png 600x600 gold "$work/sticker-600.png"
cwebp -quiet -q 75 "$work/sticker-600.png" -o "$problem/sticker-600x600.webp"
cp "$valid/sticker.webp" "$problem/webp-named.png"
# Animated: a few frames of a moving ball.
frames=()
for i in 0 1 2 3; do
  convert -size 512x512 xc:none -fill "rgb($((60 * i)),120,200)" -stroke black -strokewidth 6 \
    -draw "circle $((128 + 80 * i)),256 $((128 + 80 * i)),196" -depth 8 "PNG32:$work/anim-$i.png"
  frames+=("$work/anim-$i.png")
done
img2webp -loop 0 -lossy -q 70 -d 150 "${frames[@]}" -o "$valid/sticker-animated.webp" >/dev/null
# Noise does not compress: a static 512x512 sticker over 100 KB, and an animated one between 100 KB and 500 KB.
convert -size 512x512 -seed 7 xc: +noise Random -depth 8 "PNG24:$work/noise.png"
cwebp -quiet -q 50 "$work/noise.png" -o "$problem/sticker-static-big.webp"
noise_frames=()
for i in 0 1; do
  convert -size 512x512 -seed "$((11 + i))" xc: +noise Random -depth 8 "PNG24:$work/noise-$i.png"
  noise_frames+=("$work/noise-$i.png")
done
img2webp -loop 0 -lossy -q 25 -d 200 "${noise_frames[@]}" -o "$problem/sticker-animated-big.webp" >/dev/null
}

audio() {
ff -f lavfi -i "$(tone 2)" -c:a aac -b:a 32k -f adts "${bitexact[@]}" "$valid/audio.aac"
ff -f lavfi -i "$(tone 2)" -c:a libmp3lame -b:a 32k "${bitexact[@]}" "$valid/audio.mp3"
# M4A with its index (moov) first; ffmpeg writes moov after mdat unless told +faststart. Both are fine for audio:
# the index-first rule is Meta's for video only.
ff -f lavfi -i "$(tone 2)" -c:a aac -b:a 32k -movflags +faststart "${bitexact[@]}" "$valid/audio.m4a"
ff -f lavfi -i "$(tone 2)" -c:a aac -b:a 32k "${bitexact[@]}" "$valid/audio-moov-at-end.m4a"
# What a phone recorder writes: mono 16 kHz AAC, an mp42 brand (not M4A), the index at the end.
ff -f lavfi -i "$(tone 1 440 16000)" -ac 1 -c:a aac -b:a 24k -f mp4 -brand mp42 "${bitexact[@]}" \
  "$valid/voice-memo-moov-at-end.m4a"
# Voice notes: mono Opus (the sine source is one channel); WhatsApp plays nothing else.
ff -f lavfi -i "$(tone 2)" -c:a libopus -b:a 16k "${bitexact[@]}" "$valid/voice.ogg"
ff -f lavfi -i "$(tone 2 330)" -c:a libopus -b:a 16k "${bitexact[@]}" "$valid/voice.opus"
# Stereo Opus: a different tone on each side, so the encoder cannot fold it to one channel.
ff -f lavfi -i "$(tone 2)" -f lavfi -i "$(tone 2 660)" -filter_complex "[0:a][1:a]join=inputs=2:channel_layout=stereo" \
  -c:a libopus -b:a 24k "${bitexact[@]}" "$problem/voice-stereo.ogg"
ff -f lavfi -i "$(tone 2)" -c:a libvorbis -q:a 0 "${bitexact[@]}" "$problem/vorbis.ogg"
cp "$valid/voice.ogg" "$problem/ogg-named.mp4"
# Opus with a Theora video stream beside it: an Ogg file, but not a voice note.
ff -f lavfi -i "testsrc=size=64x48:rate=5:duration=1" -f lavfi -i "$(tone 1)" -c:v libtheora -q:v 1 \
  -c:a libopus -b:a 16k "${bitexact[@]}" "$problem/opus-with-video.ogg"
}

amr() {
# AMR-NB: 8 kHz mono 16-bit PCM through the opencore encoder at 12.2 kbit/s.
cat > "$work/amrenc.c" <<'C'
#include <stdio.h>
#include <opencore-amrnb/interf_enc.h>
int main(void) {
  void *enc = Encoder_Interface_init(0);
  short pcm[160];
  unsigned char out[64];
  fwrite("#!AMR\n", 1, 6, stdout);
  while (fread(pcm, sizeof(short), 160, stdin) == 160) {
    int n = Encoder_Interface_Encode(enc, MR122, pcm, out, 0);
    fwrite(out, 1, (size_t)n, stdout);
  }
  Encoder_Interface_exit(enc);
  return 0;
}
C
gcc -O2 -o "$work/amrenc" "$work/amrenc.c" -lopencore-amrnb
ff -f lavfi -i "$(tone 2 440 8000)" -f s16le -ac 1 -ar 8000 - | "$work/amrenc" > "$valid/audio.amr"
}

video() {
video_in=(-f lavfi -i "testsrc=size=160x120:rate=10:duration=1" -f lavfi -i "$(tone 1)")
# What plays on every WhatsApp: H.264 Main without B-frames (x264's default is High with 3 B-frames, which Android
# WhatsApp does not play), or Baseline (which has no B-frames), with the index first.
h264=(-c:v libx264 -preset veryfast -crf 35 -pix_fmt yuv420p -profile:v main -bf 0)
baseline=(-c:v libx264 -preset veryfast -crf 35 -pix_fmt yuv420p -profile:v baseline)
ff "${video_in[@]}" "${h264[@]}" -c:a aac -b:a 32k -movflags +faststart "${bitexact[@]}" "$valid/video.mp4"
ff "${video_in[@]}" "${baseline[@]}" -c:a aac -b:a 32k -ar 16000 -ac 1 -movflags +faststart -f 3gp "${bitexact[@]}" \
  "$valid/video.3gp"
# High without B-frames plays (only the two together fail on Android); High with x264's default B-frames does not.
ff "${video_in[@]}" -c:v libx264 -preset veryfast -crf 35 -pix_fmt yuv420p -profile:v high -bf 0 -c:a aac -b:a 32k \
  -movflags +faststart "${bitexact[@]}" "$valid/video-high-no-bframes.mp4"
ff "${video_in[@]}" -c:v libx264 -preset veryfast -crf 35 -pix_fmt yuv420p -profile:v high -bf 3 -c:a aac -b:a 32k \
  -movflags +faststart "${bitexact[@]}" "$problem/video-high-bframes.mp4"
# The same in a fragmented MP4 (as browsers and live encoders write): the offsets are in each fragment's trun.
ff "${video_in[@]}" -c:v libx264 -preset veryfast -crf 35 -pix_fmt yuv420p -profile:v high -bf 3 -c:a aac -b:a 32k \
  -movflags frag_keyframe+empty_moov "${bitexact[@]}" "$problem/video-fragmented-high-bframes.mp4"
# ffmpeg writes moov after mdat unless told +faststart.
ff "${video_in[@]}" "${h264[@]}" -c:a aac -b:a 32k "${bitexact[@]}" "$problem/video-moov-at-end.mp4"
ff "${video_in[@]}" "${baseline[@]}" -c:a aac -b:a 32k -ar 16000 -ac 1 -f 3gp "${bitexact[@]}" \
  "$problem/video-moov-at-end.3gp"
# An MP4 whose only track is timed text (mov_text): no audio or video to confirm.
printf '1\n00:00:00,000 --> 00:00:01,000\nno picture, no sound\n' > "$work/caption.srt"
ff -i "$work/caption.srt" -c:s mov_text -movflags +faststart "${bitexact[@]}" "$problem/subtitles-only.mp4"
ff "${video_in[@]}" -c:v libx265 -preset ultrafast -crf 40 -pix_fmt yuv420p -tag:v hvc1 -x265-params log-level=none \
  -c:a aac -b:a 32k -movflags +faststart "${bitexact[@]}" "$problem/video-hevc.mp4"
ff "${video_in[@]}" -f lavfi -i "$(tone 1 660)" -map 0:v -map 1:a -map 2:a "${h264[@]}" -c:a aac -b:a 32k \
  -movflags +faststart "${bitexact[@]}" "$problem/video-two-audio.mp4"
ff "${video_in[@]}" "${h264[@]}" -c:a libmp3lame -b:a 32k -movflags +faststart "${bitexact[@]}" \
  "$problem/video-mp3-audio.mp4"
ff -f lavfi -i "$(tone 1)" -c:a aac -b:a 32k -f mp4 -movflags +faststart "${bitexact[@]}" "$problem/audio-only.mp4"
}

documents() {
printf 'Notes for wa-upload\n\nPlain UTF-8 text: café, naïve, 日本語, ✓.\n' > "$valid/notes.txt"
cp "$valid/notes.txt" "$work/document.txt"
printf 'item,count\napples,3\npears,5\n' > "$work/sheet.csv"
cat > "$work/slides.fodp" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
  xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
  office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.presentation">
 <office:body><office:presentation>
  <draw:page draw:name="page1">
   <draw:frame svg:width="20cm" svg:height="3cm" svg:x="2cm" svg:y="2cm">
    <draw:text-box><text:p>wa-upload fixture slide</text:p></draw:text-box>
   </draw:frame>
  </draw:page>
 </office:presentation></office:body>
</office:document>
XML
office --convert-to pdf --outdir "$work" "$work/document.txt"
office --convert-to doc --outdir "$work" "$work/document.txt"
office --convert-to docx --outdir "$work" "$work/document.txt"
office --convert-to xls --outdir "$work" "$work/sheet.csv"
office --convert-to xlsx --outdir "$work" "$work/sheet.csv"
office --convert-to ppt --outdir "$work" "$work/slides.fodp"
office --convert-to pptx --outdir "$work" "$work/slides.fodp"
cp "$work/document.pdf" "$work/document.doc" "$work/document.docx" "$valid/"
cp "$work/sheet.xls" "$work/sheet.xlsx" "$work/slides.ppt" "$work/slides.pptx" "$valid/"
cp "$valid/document.docx" "$problem/docx-named.doc"
# openpyxl (as pandas' to_excel uses it) writes [Content_Types].xml last: with ~100 KB of sheet before it, the
# OOXML type is only visible from the zip's central directory at the end of the file.
"${PYTHON:-/usr/bin/python3}" - "$valid/sheet-large.xlsx" <<'PY'
import random, sys
import openpyxl
random.seed(5)
book = openpyxl.Workbook()
sheet = book.active
sheet.title = 'readings'
sheet.append(['id', 'sensor', 'value', 'note'])
for i in range(1, 2201):
    note = ''.join(random.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(12))
    sheet.append([i, f'S{random.randrange(10**6):06d}', random.random() * 1000, note])
book.save(sys.argv[1])
PY
printf 'This is plain text, not a PDF.\n' > "$problem/text-named.pdf"
}

fix() {
# Inputs of --fix that fixtures/problem does not hold: formats WhatsApp does not take, and shapes the conversions must
# handle (odd dimensions, more than two channels, transparency). Needs only ffmpeg (libx264, libx265, libvpx, libaom,
# libopus, libvorbis, flac).
clip_in=(-f lavfi -i "testsrc=size=160x120:rate=10:duration=1" -f lavfi -i "$(tone 1)")
# A phone's MOV: H.264 High with B-frames and AAC in a QuickTime container.
ff "${clip_in[@]}" -c:v libx264 -preset veryfast -crf 35 -pix_fmt yuv420p -profile:v high -bf 3 -c:a aac -b:a 32k \
  -f mov "${bitexact[@]}" "$fixin/clip.mov"
# A browser's WebM: VP9 and Opus.
ff "${clip_in[@]}" -c:v libvpx-vp9 -b:v 0 -crf 50 -deadline realtime -cpu-used 8 -c:a libopus -b:a 24k \
  "${bitexact[@]}" "$fixin/clip.webm"
# AV1 in MP4, and HEVC in MP4 at odd dimensions (H.264 in 4:2:0 needs even ones).
ff -f lavfi -i "testsrc=size=160x120:rate=10:duration=1" -c:v libaom-av1 -cpu-used 8 -crf 60 -pix_fmt yuv420p \
  -movflags +faststart "${bitexact[@]}" "$fixin/video-av1.mp4"
ff -f lavfi -i "testsrc=size=161x121:rate=10:duration=1" -f lavfi -i "$(tone 1)" -c:v libx265 -preset ultrafast -crf 40 \
  -pix_fmt yuv444p -tag:v hvc1 -x265-params log-level=none -c:a aac -b:a 32k -movflags +faststart "${bitexact[@]}" \
  "$fixin/video-hevc-odd-size.mp4"
# An animated GIF (a few frames) and a PNG with transparency that is not sticker-sized (300x200).
ff -f lavfi -i "testsrc=size=120x90:rate=5:duration=1" "${bitexact[@]}" "$fixin/animation.gif"
ff -f lavfi -i "color=c=red@0.6:size=300x200,format=rgba" -frames:v 1 "${bitexact[@]}" "$fixin/sticker.png"
# Recordings people send as voice notes: WAV and FLAC (stereo), and 5.1 Opus (more than two channels).
ff -f lavfi -i "$(tone 1 440 16000)" -ac 2 -c:a pcm_s16le "${bitexact[@]}" "$fixin/voice.wav"
ff -f lavfi -i "$(tone 1 440 16000)" -ac 2 -c:a flac "${bitexact[@]}" "$fixin/voice.flac"
ff -f lavfi -i "$(tone 1)" -af "pan=5.1|FL=c0|FR=c0|FC=c0|LFE=c0|BL=c0|BR=c0" -c:a libopus -mapping_family 1 -b:a 64k \
  "${bitexact[@]}" "$fixin/surround.ogg"
}

sections=("$@")
[ ${#sections[@]} -gt 0 ] || sections=(images stickers audio amr video documents fix)
for section in "${sections[@]}"; do
  case "$section" in
    images | stickers | audio | amr | video | documents | fix) echo "$section"; "$section" ;;
    *) echo "unknown section: $section (images stickers audio amr video documents fix)" >&2; exit 2 ;;
  esac
done

echo "sizes"
( cd "$root/fixtures" && find valid problem fix -type f -printf '%8s  %p\n' | sort -k2 && du -sh . )
