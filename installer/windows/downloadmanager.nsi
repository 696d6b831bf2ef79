; Windows installer of Downloadmanager (NSIS 3, compiled on Linux with Debian's makensis).
;   makensis -DVERSION=0.1.0 -DLAYOUT=build/windows/layout -DOUTFILE=dist/Downloadmanager-0.1.0-setup.exe \
;            installer/windows/downloadmanager.nsi
; scripts/build-dist.sh does this. See docs/packaging.md.
;
; - Per-user install without admin rights by default (%LOCALAPPDATA%\Programs\Downloadmanager);
;   all users (Program Files) when the installer runs elevated, or with /AllUsers.
; - German and English pages; Start-menu and desktop shortcuts "Downloadmanager".
; - Registers the downloadmanager: URL scheme (links on the portal open the window).
; - /S installs silently (IT roll-out); /D=PATH sets the folder.
; - The uninstaller removes the program; the user's queue, settings and logs stay unless
;   "also remove my data" is ticked (silent: /REMOVEDATA). Downloaded studies live in the
;   user's own folders and are never touched. Installing over an older version keeps them too.

; 64-bit installer: the program is win_amd64, and a 64-bit stub also runs under wine64 alone.
Target amd64-unicode
SetCompressor /SOLID lzma
SetCompressorDictSize 64

!ifndef VERSION
  !error "VERSION is not defined (-DVERSION=...)"
!endif
!ifndef LAYOUT
  !error "LAYOUT is not defined (-DLAYOUT=folder from installer/windows/build_layout.py)"
!endif
!ifndef OUTFILE
  !define OUTFILE "Downloadmanager-${VERSION}-setup.exe"
!endif

!define APPNAME "Downloadmanager"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Downloadmanager"
!define SCHEMEKEY "Software\Classes\downloadmanager"

; ---- per-user / all-users (MultiUser.nsh) -----------------------------------------------
!define MULTIUSER_EXECUTIONLEVEL Standard
!define MULTIUSER_INSTALLMODE_COMMANDLINE
!define MULTIUSER_INSTALLMODE_INSTDIR "${APPNAME}"
!define MULTIUSER_USE_PROGRAMFILES64
!define MULTIUSER_INSTALLMODE_FUNCTION OnInstallModeChosen
!define MULTIUSER_INSTALLMODE_UNFUNCTION un.OnInstallModeChosen
!include MultiUser.nsh
!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include x64.nsh

Name "${APPNAME} ${VERSION}"
OutFile "${OUTFILE}"
BrandingText "${APPNAME} ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=1033 "ProductName" "${APPNAME}"
VIAddVersionKey /LANG=1033 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=1033 "FileDescription" "${APPNAME} Setup"
VIAddVersionKey /LANG=1033 "LegalCopyright" "GPL-3.0-or-later"

!define MUI_ICON "${LAYOUT}\downloadmanager.ico"
!define MUI_UNICON "${LAYOUT}\downloadmanager.ico"
!define MUI_ABORTWARNING
!define MUI_LANGDLL_ALLLANGUAGES
!define MUI_FINISHPAGE_RUN "$INSTDIR\downloadmanager-gui.exe"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "German"
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_RESERVEFILE_LANGDLL

LangString DataSection ${LANG_GERMAN} "Auch meine Daten entfernen (Warteschlange, Einstellungen, Protokolle)"
LangString DataSection ${LANG_ENGLISH} "Also remove my data (queue, settings, logs)"
LangString DataSectionDesc ${LANG_GERMAN} "Heruntergeladene Studien in Ihren eigenen Ordnern bleiben immer erhalten."
LangString DataSectionDesc ${LANG_ENGLISH} "Downloaded studies in your own folders are always kept."
LangString ProgramSection ${LANG_GERMAN} "Programm"
LangString ProgramSection ${LANG_ENGLISH} "Program"
LangString StillRunning ${LANG_GERMAN} "Downloadmanager läuft noch. Bitte beenden Sie das Programm und versuchen Sie es erneut."
LangString StillRunning ${LANG_ENGLISH} "Downloadmanager is still running. Please quit it and try again."

; ---- install ---------------------------------------------------------------------------
Function OnInstallModeChosen
  ; Per-user programs go to %LOCALAPPDATA%\Programs (like other per-user installers), not next
  ; to the user's data in %LOCALAPPDATA%\Downloadmanager.
  ${If} $MultiUser.InstallMode == "CurrentUser"
    StrCpy $INSTDIR "$LOCALAPPDATA\Programs\${APPNAME}"
  ${EndIf}
FunctionEnd

Function un.OnInstallModeChosen
FunctionEnd

Function .onInit
  !insertmacro MULTIUSER_INIT
  ; An earlier installation (upgrade) keeps its folder.
  ReadRegStr $0 SHCTX "${UNINSTKEY}" "InstallLocation"
  ${If} $0 != ""
    StrCpy $INSTDIR $0
  ${EndIf}
  !insertmacro MUI_LANGDLL_DISPLAY
FunctionEnd

Section "!$(ProgramSection)" SecProgram
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; Upgrade: drop the old program files first (stale modules must not linger). The user's
  ; data is not in $INSTDIR, so nothing of it is touched.
  RMDir /r "$INSTDIR\lib"
  RMDir /r "$INSTDIR\python"
  File "${LAYOUT}\downloadmanager.exe"
  File "${LAYOUT}\downloadmanager-gui.exe"
  File "${LAYOUT}\downloadmanager.ico"
  File /r "${LAYOUT}\python"
  File /r "${LAYOUT}\lib"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  ; Shortcuts "Downloadmanager" (Start menu and desktop of this user, or of all users).
  CreateShortCut "$SMPROGRAMS\${APPNAME}.lnk" "$INSTDIR\downloadmanager-gui.exe" "" "$INSTDIR\downloadmanager.ico" 0
  CreateShortCut "$DESKTOP\${APPNAME}.lnk" "$INSTDIR\downloadmanager-gui.exe" "" "$INSTDIR\downloadmanager.ico" 0

  ; downloadmanager://HOST/c/CODE links from the portal open the window.
  WriteRegStr SHCTX "${SCHEMEKEY}" "" "URL:Downloadmanager"
  WriteRegStr SHCTX "${SCHEMEKEY}" "URL Protocol" ""
  WriteRegStr SHCTX "${SCHEMEKEY}\DefaultIcon" "" "$INSTDIR\downloadmanager.ico"
  WriteRegStr SHCTX "${SCHEMEKEY}\shell\open\command" "" '"$INSTDIR\downloadmanager-gui.exe" "%1"'

  ; Apps & features entry.
  WriteRegStr SHCTX "${UNINSTKEY}" "DisplayName" "${APPNAME}"
  WriteRegStr SHCTX "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr SHCTX "${UNINSTKEY}" "Publisher" "Downloadmanager contributors"
  WriteRegStr SHCTX "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\downloadmanager.ico"
  WriteRegStr SHCTX "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr SHCTX "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode'
  WriteRegStr SHCTX "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /$MultiUser.InstallMode /S'
  WriteRegDWORD SHCTX "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINSTKEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD SHCTX "${UNINSTKEY}" "EstimatedSize" $0
SectionEnd

; ---- uninstall -------------------------------------------------------------------------

Section "un.$(ProgramSection)" SecUnProgram
  SectionIn RO
  ; Only what the installer put there: never RMDir /r $INSTDIR (someone may have chosen a
  ; folder that holds other files).
  Delete "$INSTDIR\downloadmanager.exe"
  Delete "$INSTDIR\downloadmanager-gui.exe"
  Delete "$INSTDIR\downloadmanager.ico"
  RMDir /r "$INSTDIR\python"
  RMDir /r "$INSTDIR\lib"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\${APPNAME}.lnk"
  Delete "$DESKTOP\${APPNAME}.lnk"
  DeleteRegKey SHCTX "${SCHEMEKEY}"
  DeleteRegKey SHCTX "${UNINSTKEY}"
SectionEnd

Section /o "un.$(DataSection)" SecData
  ; platformdirs' folders of the program on Windows: %LOCALAPPDATA%\Downloadmanager\...
  ; (queue database, settings, cache, staging, logs). Passwords stay in the Credential Manager
  ; until the user removes them there.
  RMDir /r "$LOCALAPPDATA\${APPNAME}"
SectionEnd

; After the sections: it selects SecData.
Function un.onInit
  !insertmacro MULTIUSER_UNINIT
  !insertmacro MUI_UNGETLANGUAGE
  ; Silent removal of the data only when asked on the command line.
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/REMOVEDATA" $1
  ${IfNot} ${Errors}
    !insertmacro SelectSection ${SecData}
  ${EndIf}
FunctionEnd

!insertmacro MUI_UNFUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecData} $(DataSectionDesc)
!insertmacro MUI_UNFUNCTION_DESCRIPTION_END
