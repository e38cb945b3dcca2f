# Shared helpers for the hns-cni debug scripts: where things live on a node, and how to call hns-cni.exe.
Set-StrictMode -Version Latest

$script:HnsCniDefaults = @{
    Exe     = Join-Path $env:ProgramFiles 'containerd\cni\bin\hns-cni.exe'
    ConfDir = Join-Path $env:ProgramFiles 'containerd\cni\conf'
    Log     = Join-Path $env:ProgramData 'hns-cni\hns-cni.log'
    DataDir = Join-Path $env:ProgramData 'hns-cni'
}

function Resolve-HnsCniExe {
    param([string]$Path)
    if ($Path) { return (Resolve-Path -LiteralPath $Path).Path }
    $candidate = $script:HnsCniDefaults.Exe
    if (Test-Path -LiteralPath $candidate) { return $candidate }
    $onPath = Get-Command 'hns-cni.exe' -ErrorAction SilentlyContinue
    if ($onPath) { return $onPath.Source }
    throw "hns-cni.exe not found in '$candidate' or on PATH; pass -Exe."
}

# Runs an hns-cni debug command that prints JSON and returns the parsed object.
function Invoke-HnsCniJson {
    param([Parameter(Mandatory)][string]$Exe, [Parameter(Mandatory)][string[]]$Arguments)
    $output = & $Exe @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) {
        throw "hns-cni $($Arguments -join ' ') failed (exit $LASTEXITCODE): $output"
    }
    return ($output -join "`n") | ConvertFrom-Json
}
