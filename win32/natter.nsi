; SPDX-License-Identifier: MIT
;
; The Windows installer of natterd (NSIS 3, 64-bit, Unicode).
; Built by packaging/build-installer.sh, which stages the files first:
;
;   makensis -DVERSION=1.0.0 -DSTAGE=DIR -DOUTFILE=natter-1.0.0-setup.exe \
;            win32/natter.nsi
;
; STAGE holds natterd.exe, natterd.conf.example, LICENSE.txt and doc\.
;
; Installs under $PROGRAMFILES64\Natter: natterd.exe (linked statically:
; it needs no DLL beyond Windows' own), natterd.conf.example, the docs,
; uninstall.exe; creates %ProgramData%\Natter\natterd.conf from the example
; when there is none (an existing one is never overwritten); registers and
; starts the Windows service "natterd" when that component is selected (the
; default); adds the "Apps & features" (Add/Remove Programs) entry.
;
; Command line (besides NSIS's own /S and /D=DIR):
;   setup.exe /S                 silent install, with the service
;   setup.exe /S /NOSERVICE      silent install, without the service
;   uninstall.exe /S             silent uninstall; keeps %ProgramData%\Natter
;   uninstall.exe /S /PURGE      ... and deletes it (configuration and log)

Unicode true
Target amd64-unicode
ManifestDPIAware true
RequestExecutionLevel admin
SetCompressor /SOLID lzma

!ifndef VERSION & STAGE & OUTFILE
  !error "usage: makensis -DVERSION=X.Y.Z -DSTAGE=DIR -DOUTFILE=FILE win32/natter.nsi"
!endif

!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include x64.nsh

!define PRODUCT "Natter"
!define PUBLISHER "The Natter developers"
!define URL "https://example.org/natter"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Natter"
!define SETTINGS_KEY "Software\Natter"
; LocalService, the account the service runs as (see win32/service.c).
!define LOCAL_SERVICE_SID "*S-1-5-19"

Name "${PRODUCT} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\Natter"
InstallDirRegKey HKLM "${SETTINGS_KEY}" "InstallDir"
BrandingText "${PRODUCT} ${VERSION}"

VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${PRODUCT}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "CompanyName" "${PUBLISHER}"
VIAddVersionKey "LegalCopyright" "MIT License, ${PUBLISHER}"
VIAddVersionKey "FileDescription" "${PRODUCT} ${VERSION} setup"

!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_SMALLDESC
!define MUI_FINISHPAGE_NOAUTOCLOSE
!define MUI_UNFINISHPAGE_NOAUTOCLOSE

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_LICENSE "${STAGE}\LICENSE.txt"
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_UNPAGE_FINISH

!insertmacro MUI_LANGUAGE "English"

; ---------------------------------------------------------------- install

Section "natterd (required)" SecMain
  SectionIn RO
  SetShellVarContext all

  ; An upgrade: the old service must let go of natterd.exe first.
  ${If} ${FileExists} "$INSTDIR\natterd.exe"
    nsExec::ExecToLog '"$INSTDIR\natterd.exe" --service-uninstall'
    Pop $0
    Call WaitForNatterdUnlocked
  ${EndIf}

  SetOutPath "$INSTDIR"
  File "${STAGE}\natterd.exe"
  File "${STAGE}\natterd.conf.example"
  File "${STAGE}\LICENSE.txt"
  SetOutPath "$INSTDIR\doc"
  File "${STAGE}\doc\*.*"

  ; The configuration lives in %ProgramData%\Natter (as does the service's
  ; log) and belongs to the administrator: never overwritten, and kept on
  ; uninstall unless asked.
  CreateDirectory "$APPDATA\Natter"
  ${IfNot} ${FileExists} "$APPDATA\Natter\natterd.conf"
    CopyFiles /SILENT "$INSTDIR\natterd.conf.example" "$APPDATA\Natter\natterd.conf"
  ${EndIf}

  WriteUninstaller "$INSTDIR\uninstall.exe"
  SetRegView 64
  WriteRegStr HKLM "${SETTINGS_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${PRODUCT}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKLM "${UNINST_KEY}" "URLInfoAbout" "${URL}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\natterd.exe"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" "$0"
SectionEnd

Section "Windows service" SecService
  SetShellVarContext all
  ; The service runs as LocalService and appends to natterd.log next to
  ; the configuration; it may write that file, not the configuration.
  ${IfNot} ${FileExists} "$APPDATA\Natter\natterd.log"
    FileOpen $0 "$APPDATA\Natter\natterd.log" w
    FileClose $0
  ${EndIf}
  nsExec::ExecToLog 'icacls "$APPDATA\Natter\natterd.log" /grant ${LOCAL_SERVICE_SID}:M'
  Pop $0

  DetailPrint "Registering the service natterd"
  nsExec::ExecToLog '"$INSTDIR\natterd.exe" --service-install --config "$APPDATA\Natter\natterd.conf"'
  Pop $0
  ${If} $0 != 0
    MessageBox MB_OK|MB_ICONEXCLAMATION "Registering the natterd service failed ($0).$\r$\nRun natterd.exe --service-install as administrator later." /SD IDOK
    Return
  ${EndIf}
  DetailPrint "Starting the service natterd"
  nsExec::ExecToLog '"$INSTDIR\natterd.exe" --service-start'
  Pop $0
  ${If} $0 != 0
    MessageBox MB_OK|MB_ICONEXCLAMATION "The natterd service did not start ($0).$\r$\nSee $APPDATA\Natter\natterd.log." /SD IDOK
  ${EndIf}
SectionEnd

LangString DESC_SecMain ${LANG_ENGLISH} "The chat server natterd.exe, an example configuration and the documentation."
LangString DESC_SecService ${LANG_ENGLISH} "Register natterd as a Windows service that starts with Windows, and start it now (configuration: %ProgramData%\Natter\natterd.conf)."
!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecMain} $(DESC_SecMain)
  !insertmacro MUI_DESCRIPTION_TEXT ${SecService} $(DESC_SecService)
!insertmacro MUI_FUNCTION_DESCRIPTION_END

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_OK|MB_ICONSTOP "Natter needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/NOSERVICE" $1
  ${IfNot} ${Errors}
    SectionSetFlags ${SecService} 0
  ${EndIf}
FunctionEnd

; Wait (at most 10 s) until natterd.exe can be replaced or deleted: a
; stopped service process takes a moment to exit.
!macro WAIT_FOR_NATTERD_UNLOCKED UN
Function ${UN}WaitForNatterdUnlocked
  Push $R0
  StrCpy $R0 0
  ${Do}
    ClearErrors
    FileOpen $0 "$INSTDIR\natterd.exe" a
    ${IfNot} ${Errors}
      FileClose $0
      ${Break}
    ${EndIf}
    IntOp $R0 $R0 + 1
    ${If} $R0 > 40
      ${Break}
    ${EndIf}
    Sleep 250
  ${Loop}
  Pop $R0
FunctionEnd
!macroend
!insertmacro WAIT_FOR_NATTERD_UNLOCKED ""
!insertmacro WAIT_FOR_NATTERD_UNLOCKED "un."

; -------------------------------------------------------------- uninstall

Section "un.natterd (required)" SecUnMain
  SectionIn RO
  SetShellVarContext all
  SetRegView 64

  ; Stops the service if it runs, then removes it; fails harmlessly when it
  ; was never registered.
  ${If} ${FileExists} "$INSTDIR\natterd.exe"
    nsExec::ExecToLog '"$INSTDIR\natterd.exe" --service-uninstall'
    Pop $0
    Call un.WaitForNatterdUnlocked
  ${EndIf}

  ; Still in use (a natterd.exe started by hand): removed at the next boot.
  Delete /REBOOTOK "$INSTDIR\natterd.exe"
  Delete "$INSTDIR\natterd.conf.example"
  Delete "$INSTDIR\LICENSE.txt"
  RMDir /r "$INSTDIR\doc"
  Delete "$INSTDIR\uninstall.exe"
  RMDir /REBOOTOK "$INSTDIR"

  DeleteRegKey HKLM "${UNINST_KEY}"
  DeleteRegKey HKLM "${SETTINGS_KEY}"
SectionEnd

Section /o "un.Delete the configuration and log" SecUnPurge
  SetShellVarContext all
  RMDir /r "$APPDATA\Natter"
SectionEnd

LangString DESC_SecUnMain ${LANG_ENGLISH} "Stop and remove the natterd service and the program files."
LangString DESC_SecUnPurge ${LANG_ENGLISH} "Also delete %ProgramData%\Natter: natterd.conf and natterd.log."
!insertmacro MUI_UNFUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecUnMain} $(DESC_SecUnMain)
  !insertmacro MUI_DESCRIPTION_TEXT ${SecUnPurge} $(DESC_SecUnPurge)
!insertmacro MUI_UNFUNCTION_DESCRIPTION_END

Function un.onInit
  SetRegView 64
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/PURGE" $1
  ${IfNot} ${Errors}
    SectionSetFlags ${SecUnPurge} ${SF_SELECTED}
  ${EndIf}
FunctionEnd
