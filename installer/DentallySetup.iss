; Inno Setup script: the Windows installer of Dentally Setup, per user, no admin rights.
;
; Built by the Windows job of .github/workflows/platforms.yml after the PyInstaller build
; (build_installer.spec -> dist\DentallySetup\), from the repository's root:
;
;   iscc /DMyAppVersion=<__version__> installer\DentallySetup.iss
;
; The version has one home, __version__ in dentally_setup\__init__.py (the app, pyproject and
; the spec's version resource read it there); the workflow reads it with Python and passes
; it here. There is deliberately no default: a build without it stops (#error below).
; Output: dist\DentallySetup-<version>-setup.exe.
;
; Silent install for IT (Inno Setup's standard switches; docs\INSTALL-WINDOWS.md, part 3):
;   DentallySetup-<version>-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /CURRENTUSER
;       for the signed-in user, no admin rights (the default, also without /CURRENTUSER)
;   DentallySetup-<version>-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /ALLUSERS
;       for every user of the PC, into Program Files (needs admin)
;   add /LOG="%TEMP%\DentallySetup-install.log" for a log; exit code 0 is success.
; Silent uninstall: "<install folder>\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES

#ifndef MyAppVersion
  #error MyAppVersion is not defined: build with iscc /DMyAppVersion=<__version__ from dentally_setup\__init__.py>
#endif

#define MyAppName "Dentally Setup"
; The spec's APP_NAME: the folder PyInstaller makes and the staff's windowed program.
#define MyAppExeName "DentallySetup.exe"
#ifndef MyDistDir
  #define MyDistDir "..\dist\DentallySetup"
#endif

[Setup]
; Never change AppId: Windows knows an installed copy (upgrade in place, uninstall) by it.
AppId={{B2A86574-9282-4706-BE09-7F5EF4267493}
AppName={#MyAppName}
AppVersion={#MyAppVersion}
AppVerName={#MyAppName} {#MyAppVersion}
AppPublisher=Dentally
; Per user by default: reception staff have no admin rights. With lowest privileges {autopf}
; is %LOCALAPPDATA%\Programs and {autoprograms} the user's own Start menu; IT may choose all
; users from the command line only (/ALLUSERS, which needs admin).
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=commandline
DefaultDirName={autopf}\{#MyAppName}
DefaultGroupName={#MyAppName}
DisableProgramGroupPage=yes
; Windows 10 1809 or later, 64-bit: what PySide6 6.8+ and QtWebEngine support.
MinVersion=10.0.17763
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist
OutputBaseFilename=DentallySetup-{#MyAppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\{#MyAppExeName}
UninstallDisplayName={#MyAppName}
; An open copy of the app (or its web host, the same executable) is closed before files are
; replaced, and nothing asks for a restart.
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Files]
Source: "{#MyDistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#MyAppName}"; Filename: "{app}\{#MyAppExeName}"
Name: "{autoprograms}\{#MyAppName} (demo)"; Filename: "{app}\{#MyAppExeName}"; Parameters: "--demo"

[Run]
Filename: "{app}\{#MyAppExeName}"; Description: "Start {#MyAppName}"; Flags: nowait postinstall skipifsilent

; The user's own data (%LOCALAPPDATA%\Dentally\DentallySetup: config, progress, logs) and a
; remembered token (Windows Credential Manager) belong to the user and are left on uninstall.
