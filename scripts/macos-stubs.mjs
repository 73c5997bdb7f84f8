// Link stubs of the two macOS frameworks the addon calls (the `notify` crate's FSEvents watcher):
// zig carries macOS's libSystem but no frameworks, and no Apple SDK is installed here. A stub is
// a text-based dylib (`.tbd`): the framework's install name and the symbols it exports, so the
// linker records them against the framework as it would with the SDK; nothing of Apple's code is
// in it. A symbol missing from a list still links (napi-build passes `-undefined
// dynamic_lookup`) and is found at load time in the same, loaded, framework.
// The lists: the framework symbols the crates reference (undefined `_CF*`, `_kCF*`, `_FSEvent*`
// in their object files).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FRAMEWORKS = {
  CoreFoundation: [
    '_CFArrayAppendValue',
    '_CFArrayCreateMutable',
    '_CFArrayGetCount',
    '_CFArrayGetValueAtIndex',
    '_CFArrayInsertValueAtIndex',
    '_CFArrayRemoveValueAtIndex',
    '_CFCopyDescription',
    '_CFDateCreate',
    '_CFDateGetAbsoluteTime',
    '_CFErrorCopyDescription',
    '_CFGetRetainCount',
    '_CFRelease',
    '_CFRetain',
    '_CFRunLoopGetCurrent',
    '_CFRunLoopIsWaiting',
    '_CFRunLoopRun',
    '_CFRunLoopStop',
    '_CFStringCompare',
    '_CFStringGetBytes',
    '_CFStringGetCStringPtr',
    '_CFStringGetLength',
    '_CFURLCopyAbsoluteURL',
    '_CFURLCopyFileSystemPath',
    '_CFURLCopyLastPathComponent',
    '_CFURLCreateCopyAppendingPathComponent',
    '_CFURLCreateCopyDeletingLastPathComponent',
    '_CFURLCreateFilePathURL',
    '_CFURLCreateFileReferenceURL',
    '_CFURLCreateFromFileSystemRepresentation',
    '_CFURLCreateFromFileSystemRepresentationRelativeToBase',
    '_CFURLGetFileSystemRepresentation',
    '_CFURLGetString',
    '_CFURLResourceIsReachable',
    '_kCFAbsoluteTimeIntervalSince1970',
    '_kCFAllocatorDefault',
    '_kCFRunLoopDefaultMode',
    '_kCFTypeArrayCallBacks',
  ],
  // FSEvents lives in a sub-framework that CoreServices re-exports; binding to the umbrella is
  // what the SDK's own stub gives too.
  CoreServices: [
    '_FSEventStreamCreate',
    '_FSEventStreamGetDeviceBeingWatched',
    '_FSEventStreamInvalidate',
    '_FSEventStreamRelease',
    '_FSEventStreamScheduleWithRunLoop',
    '_FSEventStreamStart',
    '_FSEventStreamStop',
    '_FSEventsGetCurrentEventId',
    '_FSEventsPurgeEventsForDeviceUpToEventId',
  ],
};

/** Writes `<name>.framework/<name>.tbd` under `dir`; returns the directory for `-F`. */
export function writeFrameworkStubs(dir) {
  const targets = '[ x86_64-macos, arm64-macos, arm64e-macos ]';
  for (const [name, symbols] of Object.entries(FRAMEWORKS)) {
    const framework = join(dir, `${name}.framework`);
    mkdirSync(framework, { recursive: true });
    writeFileSync(
      join(framework, `${name}.tbd`),
      [
        '--- !tapi-tbd',
        'tbd-version:     4',
        `targets:         ${targets}`,
        `install-name:    '/System/Library/Frameworks/${name}.framework/Versions/A/${name}'`,
        'current-version: 1.0',
        'exports:',
        `  - targets:         ${targets}`,
        `    symbols:         [ ${symbols.join(', ')} ]`,
        '...',
        '',
      ].join('\n'),
    );
  }
  return dir;
}
