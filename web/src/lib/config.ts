// What the server-settings form knows beyond the JSON itself: which values come
// from a fixed set, which number may be empty, and better names than the keys.
import {
  AudioCodec,
  Colorspace,
  CQMode,
  ImageFormat,
  LogLevel,
  OAuthTokenEndpointAuthMethod,
  ToneMapping,
  TranscodeHWAccel,
  TranscodePolicy,
  VideoCodec,
  VideoContainer,
} from '@immich/sdk';

const values = (e: Record<string, string>) => Object.values(e);

export const CONFIG_CHOICES: Record<string, readonly string[]> = {
  'image.thumbnail.format': values(ImageFormat),
  'image.preview.format': values(ImageFormat),
  'image.fullsize.format': values(ImageFormat),
  'image.colorspace': values(Colorspace),
  'ffmpeg.transcode': values(TranscodePolicy),
  'ffmpeg.targetVideoCodec': values(VideoCodec),
  'ffmpeg.acceptedVideoCodecs': values(VideoCodec),
  'ffmpeg.targetAudioCodec': values(AudioCodec),
  'ffmpeg.acceptedAudioCodecs': values(AudioCodec),
  'ffmpeg.acceptedContainers': values(VideoContainer),
  'ffmpeg.targetResolution': ['original', '480', '720', '1080', '1440', '2160'],
  'ffmpeg.cqMode': values(CQMode),
  'ffmpeg.accel': values(TranscodeHWAccel),
  'ffmpeg.tonemap': values(ToneMapping),
  'logging.level': values(LogLevel),
  'oauth.tokenEndpointAuthMethod': values(OAuthTokenEndpointAuthMethod),
};

export const CONFIG_NULLABLE_NUMBERS = new Set(['oauth.defaultStorageQuota']);

export const CONFIG_LONG_TEXT = new Set([
  'theme.customCss',
  'server.loginPageMessage',
  'templates.email.welcomeTemplate',
  'templates.email.albumInviteTemplate',
  'templates.email.albumUpdateTemplate',
]);

export const CONFIG_LABELS: Record<string, string> = {
  'image.thumbnail': 'Thumbnail (grid)',
  'image.preview': 'Preview (viewer)',
  'image.fullsize': 'Full-size preview',
  'image.extractEmbedded': 'Use the preview embedded in RAW files',
  'ffmpeg.crf': 'Constant rate factor (CRF)',
  'ffmpeg.transcode': 'Transcode policy',
  'ffmpeg.accel': 'Hardware acceleration',
  'ffmpeg.accelDecode': 'Hardware decoding',
  'ffmpeg.cqMode': 'Constant quality mode',
  'ffmpeg.gopSize': 'GOP size',
  'ffmpeg.twoPass': 'Two-pass encoding',
  'ffmpeg.preferredHwDevice': 'Preferred hardware device',
  'machineLearning.enabled': 'Machine learning enabled',
  'machineLearning.urls': 'Service URLs',
  'machineLearning.clip': 'Smart search (CLIP)',
  'machineLearning.ocr': 'Text recognition (OCR)',
  'storageTemplate.hashVerificationEnabled': 'Verify file hashes when moving',
  'oauth.mobileOverrideEnabled': 'Override the mobile redirect URI',
  'oauth.mobileRedirectUri': 'Mobile redirect URI',
  'oauth.defaultStorageQuota': 'Default storage quota (GiB, empty: unlimited)',
  'user.deleteDelay': 'Days before a deleted user is removed',
  'trash.days': 'Days before trashed items are deleted',
  'server.externalDomain': 'External domain',
  'map.lightStyle': 'Light map style URL',
  'map.darkStyle': 'Dark map style URL',
};

/** `targetVideoCodec` → "Target video codec". */
export function label(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The sections of the settings page, in the order an admin looks for them. */
export const CONFIG_SECTIONS: { key: string; title: string; help: string }[] = [
  { key: 'image', title: 'Images', help: 'Size, format and quality of thumbnails and previews.' },
  { key: 'ffmpeg', title: 'Video transcoding', help: 'When and how videos are converted for playback.' },
  { key: 'machineLearning', title: 'Machine learning', help: 'Smart search, faces, duplicates and text recognition.' },
  { key: 'storageTemplate', title: 'Storage template', help: 'Where originals are kept on disk, by date, album or camera.' },
  { key: 'job', title: 'Jobs', help: 'How many of each job run at the same time.' },
  { key: 'metadata', title: 'Metadata', help: 'What is read from files besides EXIF.' },
  { key: 'reverseGeocoding', title: 'Reverse geocoding', help: 'Place names from coordinates.' },
  { key: 'map', title: 'Map', help: 'Map styles.' },
  { key: 'trash', title: 'Trash', help: 'How long deleted items are kept.' },
  { key: 'user', title: 'Users', help: 'What happens to deleted users.' },
  { key: 'server', title: 'Server', help: 'Public address and sign-in page message.' },
  { key: 'passwordLogin', title: 'Password sign-in', help: 'Signing in with email and password.' },
  { key: 'oauth', title: 'OAuth', help: 'Signing in through an identity provider.' },
  { key: 'notifications', title: 'Email notifications', help: 'The SMTP server for emails.' },
  { key: 'templates', title: 'Email templates', help: 'The text of emails.' },
  { key: 'nightlyTasks', title: 'Nightly tasks', help: 'Maintenance run once a day.' },
  { key: 'library', title: 'External libraries', help: 'Scanning and watching folders.' },
  { key: 'backup', title: 'Database backup', help: 'Automatic database dumps.' },
  { key: 'integrityChecks', title: 'Integrity checks', help: 'Finding missing, untracked and changed files.' },
  { key: 'newVersionCheck', title: 'Version check', help: 'Looking for new releases.' },
  { key: 'logging', title: 'Logging', help: 'How much the server logs.' },
  { key: 'theme', title: 'Theme', help: 'Custom CSS for the web app.' },
];

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** What a storage template makes of an example photo, to show beside the editor. */
export function previewTemplate(template: string): string {
  const d = new Date(Date.UTC(2024, 2, 9, 14, 5, 7, 42));
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const week = Math.ceil(((+d - Date.UTC(2024, 0, 1)) / 86_400_000 + 1) / 7);
  const tokens: Record<string, string> = {
    y: '2024',
    yy: '24',
    M: '3',
    MM: pad(3),
    MMM: MONTHS[2].slice(0, 3),
    MMMM: MONTHS[2],
    W: String(week),
    WW: pad(week),
    d: '9',
    dd: pad(9),
    h: '2',
    hh: '02',
    H: '14',
    HH: '14',
    m: '5',
    mm: '05',
    s: '7',
    ss: '07',
    SSS: '042',
    filename: 'IMG_0001',
    ext: 'jpg',
    filetype: 'IMG',
    filetypefull: 'IMAGE',
    assetId: 'a1b2c3d4-0000-4000-8000-000000000000',
    assetIdShort: '00000000',
    album: 'Holiday',
    'album-startDate-y': '2024',
    make: 'Canon',
    model: 'EOS R5',
    lensModel: 'RF 24-105mm',
  };
  const withAlbum = template.replace(/\{\{#if album\}\}(.*?)\{\{else\}\}(.*?)\{\{\/if\}\}/g, '$1');
  return withAlbum.replace(/\{\{([\w-]+)\}\}/g, (whole, name: string) => tokens[name] ?? whole) + '.jpg';
}
